#include "http/health_check.hpp"

#include <httplib.h>

namespace agg {

namespace {

// The address to reach a server bound to `host`: a wildcard listens on loopback too.
std::string reachable_host(const std::string& host) {
  if (host == "0.0.0.0" || host.empty())
    return "127.0.0.1";
  if (host == "::" || host == "[::]")
    return "::1";
  return host;
}

template <class Client>
int ask(Client& cli, const std::string& where, std::ostream& out) {
  cli.set_connection_timeout(health_check_timeout_seconds, 0);
  cli.set_read_timeout(health_check_timeout_seconds, 0);
  cli.set_write_timeout(health_check_timeout_seconds, 0);
  auto res = cli.Get("/readyz");
  if (!res) {
    out << "not ready: no answer from " << where << ": " << httplib::to_string(res.error())
        << "\n";
    return 1;
  }
  if (res->status != 200) {
    out << "not ready: " << where << " answered " << res->status << " " << res->body << "\n";
    return 1;
  }
  out << "ready: " << where << " answered 200\n";
  return 0;
}

} // namespace

int run_health_check(const config& cfg, std::ostream& out) {
  auto host = reachable_host(cfg.host);
  bool tls = !cfg.tls_cert.empty();
  auto where = std::string{tls ? "https://" : "http://"}
               + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":"
               + std::to_string(cfg.port) + "/readyz";
  if (tls) {
    httplib::SSLClient cli(host, cfg.port);
    cli.enable_server_certificate_verification(false);
    return ask(cli, where, out);
  }
  httplib::Client cli(host, cfg.port);
  return ask(cli, where, out);
}

} // namespace agg
