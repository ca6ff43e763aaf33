#include "http/http_server.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <httplib.h>
#include <sys/socket.h>

#include "core/errors.hpp"
#include "core/log.hpp"
#include "http/reactor/publish_reactor.hpp"
#include "http/server/connection_pool.hpp"
#include "http/routes/ops_routes.hpp"
#include "http/routes/reply.hpp"
#include "http/server/server_tuning.hpp"

namespace agg {

namespace {

// cpp-httplib hard-codes a listen backlog of 5, which drops SYNs (1 s retransmits)
// under 64 concurrent connections; we re-listen with the kernel's maximum.
constexpr int listen_backlog = SOMAXCONN;

// An SSLServer when a certificate is configured, else a plain one; both get the same tuning.
std::unique_ptr<httplib::Server> make_server(const config& cfg) {
  if (cfg.tls_cert.empty())
    return std::make_unique<httplib::Server>();
  return std::make_unique<httplib::SSLServer>(cfg.tls_cert.c_str(), cfg.tls_key.c_str());
}

// Why `path` cannot be opened for reading, or "" when it can.
std::string unreadable(const std::string& path) {
  errno = 0;
  std::ifstream in{path};
  return in ? std::string{} : std::string{std::strerror(errno ? errno : ENOENT)};
}

} // namespace

http_server::http_server(const config& cfg, const route_context& routes)
  : svr_(make_server(cfg)), tls_cert_(cfg.tls_cert), tls_key_(cfg.tls_key) {
  connection_limits limits;
  limits.warm_threads = cfg.http_threads;
  limits.max_connections = cfg.max_connections;
  // The deadline starts when a request may begin, so it includes the keep-alive wait.
  limits.header_deadline = std::chrono::seconds(keep_alive_seconds)
                           + std::chrono::milliseconds(cfg.header_timeout_ms);
  // The reactor reads raw bytes, so only without TLS; it gets the same routes' context.
  std::optional<reactor_settings> reactor;
  if (cfg.publish_reactor && cfg.tls_cert.empty()) {
    reactor = reactor_settings{};
    reactor->routes = routes;
    reactor->routes.tokens = {cfg.publish_token, cfg.read_token};
    reactor->header_deadline = limits.header_deadline;
  }
  socket_adopter::factory make_reactor;
  if (reactor)
    make_reactor = [settings = *reactor](socket_adopter::hand_off_fn hand_off,
                                         socket_adopter::closed_fn closed) {
      return std::make_unique<publish_reactor>(settings, std::move(hand_off), std::move(closed));
    };
  size_t reactors = reactor ? reactor->threads : 0;
  svr_->new_task_queue = [limits, make_reactor, reactors] {
    return new connection_pool(limits, make_reactor, reactors);
  };
  // Without TCP_NODELAY, Nagle + delayed ACK cap a keep-alive client at ~25 req/s.
  svr_->set_tcp_nodelay(true);
  svr_->set_keep_alive_max_count(keep_alive_requests);
  svr_->set_keep_alive_timeout(keep_alive_seconds);
  svr_->set_read_timeout(io_timeout_seconds, 0);
  svr_->set_write_timeout(io_timeout_seconds, 0);
  svr_->set_payload_max_length(cfg.max_body_bytes);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second
  // instance bind the same port silently and steal half the traffic.
  svr_->set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd_ = sock;
  });
  // service.cpp builds the routes' context; the tokens live in the config, so add them here.
  auto ctx = routes;
  ctx.tokens = {cfg.publish_token, cfg.read_token};
  register_routes(*svr_, ctx);
  // One pre-routing hook and one logger per server: both are composed here.
  svr_->set_pre_routing_handler(httplib::Server::HandlerWithResponse(
    [](const httplib::Request&, httplib::Response& res) {
      if (connection_pool::headers_read()) {
        reply_error(res, {503, "too_many_connections",
                          "the server has its maximum of open connections (--max-connections)"
                          "; retry later"});
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      }
      note_request_started();
      return httplib::Server::HandlerResponse::Unhandled;
    }));
  svr_->set_logger([log = request_logger(ctx)](const httplib::Request& req,
                                               const httplib::Response& res) {
    connection_pool::answer_written();
    log(req, res);
  });
}

http_server::~http_server() {
  stop();
}

caf::expected<uint16_t> http_server::start(const std::string& host, uint16_t port) {
  if (!tls_cert_.empty()) {
    // httplib only says "not valid"; name the file that cannot be read, when that is why.
    for (auto* file : {&tls_cert_, &tls_key_})
      if (auto why = unreadable(*file); !why.empty())
        return make_error(ec::startup_failure, "cannot read TLS file " + *file + ": " + why);
    if (!svr_->is_valid())
      return make_error(ec::startup_failure,
                        "cannot load the TLS certificate " + tls_cert_ + " with the key "
                          + tls_key_ + ": not PEM, or the key does not match the certificate");
    log_info("TLS on: serving HTTPS with the certificate " + tls_cert_);
  }
  int bound = port == 0 ? svr_->bind_to_any_port(host) : (svr_->bind_to_port(host, port) ? port : -1);
  if (bound < 0)
    return make_error(ec::startup_failure, "cannot listen on " + host + ":" + std::to_string(port)
                                             + ": " + std::strerror(errno));
  if (::listen(listen_fd_, listen_backlog) != 0)
    return make_error(ec::startup_failure, std::string{"cannot raise the listen backlog: "}
                                             + std::strerror(errno));
  thread_ = std::thread{[this] {
    svr_->listen_after_bind();
    listen_ended_ = true;
  }};
  // stop() before is_running() would be a no-op and leave listen running forever.
  while (!svr_->is_running() && !listen_ended_)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return static_cast<uint16_t>(bound);
}

void http_server::stop() {
  if (!thread_.joinable())
    return;
  svr_->stop();
  thread_.join();
}

bool http_server::running() const {
  return !listen_ended_;
}

} // namespace agg
