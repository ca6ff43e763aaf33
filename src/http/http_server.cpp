#include "http/http_server.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/errors.hpp"
#include "core/log.hpp"
#include "http/route_handler.hpp"
#include "http/server/front.hpp"

namespace agg {

namespace {

// Why `path` cannot be opened for reading, or "" when it can.
std::string unreadable(const std::string& path) {
  errno = 0;
  std::ifstream in{path};
  return in ? std::string{} : std::string{std::strerror(errno ? errno : ENOENT)};
}

front_settings settings_of(const config& cfg) {
  front_settings s;
  s.max_connections = cfg.max_connections;
  s.warm_threads = cfg.http_threads;
  s.idle_timeout = std::chrono::milliseconds(cfg.idle_timeout_ms);
  s.header_timeout = std::chrono::milliseconds(cfg.header_timeout_ms);
  s.max_body_bytes = cfg.max_body_bytes;
  s.tls_cert = cfg.tls_cert;
  s.tls_key = cfg.tls_key;
  return s;
}

} // namespace

http_server::http_server(const config& cfg, const route_context& routes)
  : tls_cert_(cfg.tls_cert), tls_key_(cfg.tls_key) {
  // service.cpp builds the routes' context; the tokens live in the config, so add them here.
  auto ctx = routes;
  ctx.tokens = {cfg.publish_token, cfg.read_token};
  handler_ = std::make_unique<route_handler>(ctx);
  front_ = std::make_unique<http_front>(settings_of(cfg), *handler_);
}

http_server::~http_server() {
  stop();
}

caf::expected<uint16_t> http_server::start(const std::string& host, uint16_t port) {
  if (!tls_cert_.empty()) {
    // Name the file that cannot be read, when that is why.
    for (auto* file : {&tls_cert_, &tls_key_})
      if (auto why = unreadable(*file); !why.empty())
        return make_error(ec::startup_failure, "cannot read TLS file " + *file + ": " + why);
  }
  std::string error;
  auto bound = front_->start(host, port, error);
  if (bound == 0)
    return make_error(ec::startup_failure, error);
  if (!tls_cert_.empty())
    log_info("TLS on: serving HTTPS with the certificate " + tls_cert_);
  return bound;
}

void http_server::stop() {
  front_->stop();
}

bool http_server::running() const {
  return front_->running();
}

} // namespace agg
