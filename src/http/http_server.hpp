#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <caf/expected.hpp>

#include "core/config.hpp"
#include "http/routes/routes.hpp"

namespace httplib {
class Server;
}

namespace agg {

/// The cpp-httplib server (an SSLServer when `config::tls_cert` is set), tuned, on its own
/// listening thread.
class http_server {
public:
  http_server(const config& cfg, const route_context& routes);
  ~http_server();

  /// Binds and starts serving; returns the bound port, or why it could not (including a
  /// TLS certificate or key that cannot be loaded).
  caf::expected<uint16_t> start(const std::string& host, uint16_t port);

  /// Stops accepting, finishes in-flight requests and joins every HTTP thread.
  void stop();

  /// False once the listening thread has ended, for whatever reason.
  bool running() const;

private:
  std::unique_ptr<httplib::Server> svr_;
  std::string tls_cert_; ///< Empty: plain HTTP.
  std::string tls_key_;
  std::thread thread_;
  int listen_fd_ = -1;
  std::atomic<bool> listen_ended_{false};
};

} // namespace agg
