#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "core/config.hpp"
#include "http/routes/routes.hpp"

namespace agg {

class http_front;
class route_handler;

/// The HTTP server: the front (every connection, plain or TLS) serving the routes.
class http_server {
public:
  http_server(const config& cfg, const route_context& routes);
  ~http_server();

  /// Binds and starts serving; returns the bound port, or why it could not (including a
  /// TLS certificate or key that cannot be loaded).
  caf::expected<uint16_t> start(const std::string& host, uint16_t port);

  /// Stops accepting, closes idle connections, finishes the requests in progress and joins
  /// every HTTP thread.
  void stop();

  /// False once the front has stopped, for whatever reason.
  bool running() const;

private:
  std::unique_ptr<route_handler> handler_;
  std::unique_ptr<http_front> front_;
  std::string tls_cert_; ///< Empty: plain HTTP.
  std::string tls_key_;
};

} // namespace agg
