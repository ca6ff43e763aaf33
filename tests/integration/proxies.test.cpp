// The smuggling probes again, through real haproxy and nginx that reuse backend connections,
// as production runs the service. Each proxy runs in the foreground from a config in a temp
// dir, listening on 127.0.0.1 only; without the Debian package the case prints SKIPPED:.
#include "support/events.hpp"
#include "support/raw_socket.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using agg::test::make_event;
using agg::test::raw_socket;
using agg::test::response_body;
using agg::test::response_status;
using agg::test::server_process;
using namespace std::chrono_literals;

namespace {

/// A proxy in the foreground; SIGTERMed and reaped when the object dies.
class proxy_process {
public:
  proxy_process(const std::string& binary, std::vector<std::string> args, uint16_t port)
    : port_(port) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv{const_cast<char*>(binary.c_str())};
      for (auto& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~proxy_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  /// Polls until the proxy answers GET /healthz (proxied to the server) with 200.
  bool ready() const {
    for (int attempt = 0; attempt < 200; ++attempt) {
      try {
        raw_socket s{port_};
        if (s.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            && response_status(s.read_response(2s)) == 200)
          return true;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  uint16_t port() const { return port_; }

private:
  pid_t pid_ = -1;
  uint16_t port_;
};

bool installed(const std::string& binary) {
  return ::access(binary.c_str(), X_OK) == 0;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream{path} << text;
}

std::string publish_of(const std::string& body) {
  return "POST /publish HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// The probes through `proxy_port`: a head the server refuses or answers early,
/// then (after a pause, so the proxy forwards it separately) its declared body, which holds
/// a whole publish. Then another client's requests on the proxy's reused connections.
void run_smuggling_probes(const server_process& server, uint16_t proxy_port) {
  auto hidden = publish_of(make_event("smuggled", "via-proxy").dump());
  auto cl = std::to_string(hidden.size());
  std::vector<std::string> heads = {
    "post /publish HTTP/1.1\r\nHost: t\r\nContent-Length: " + cl + "\r\n\r\n",
    "POST /publish HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(9000, 'a')
      + "\r\nContent-Length: " + cl + "\r\n\r\n",
    "POST /publish HTTP/1.1\r\nHost: t\r\nRange: bytes=x\r\nContent-Length: " + cl + "\r\n\r\n",
    "POST /publish HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: " + cl
      + "\r\n\r\n",
  };
  for (auto& head : heads) {
    INFO("head: " << head.substr(0, 80));
    raw_socket c{proxy_port};
    REQUIRE(c.send(head));
    std::this_thread::sleep_for(500ms); // the 0.5 s: the body arrives on its own
    c.send(hidden);
    auto answer = c.read_response();
    INFO("answer: " << answer);
    CHECK(response_status(answer) != 0);
    CHECK(response_status(answer) < 500);
    // Another client, on whatever backend connection the proxy reuses, gets its own answers.
    raw_socket other{proxy_port};
    for (int i = 0; i < 3; ++i) {
      REQUIRE(other.send("GET /events?topic=smuggled HTTP/1.1\r\nHost: t\r\n\r\n"));
      auto events = other.read_response();
      INFO("events: " << events);
      CHECK(response_status(events) == 200);
      CHECK(response_body(events) == "[]");
    }
  }
  CHECK(agg::test::fetch_events(server, "smuggled").empty());
  // Ordinary traffic goes through.
  raw_socket c{proxy_port};
  REQUIRE(c.send(publish_of(make_event("proxied", "1").dump())));
  CHECK(response_status(c.read_response()) == 200);
}

} // namespace

TEST_CASE("through haproxy with http-reuse always, no request hidden in a body is run",
          "[integration][front][proxy]") {
  const std::string haproxy = "/usr/sbin/haproxy";
  if (!installed(haproxy)) {
    std::cout << "SKIPPED: haproxy is not installed (Debian package haproxy)\n";
    return;
  }
  server_process server;
  server.start();
  agg::test::temp_dir dir;
  auto port = agg::test::pick_free_port();
  auto cfg = dir.path() / "haproxy.cfg";
  write_file(cfg, "global\n  maxconn 200\ndefaults\n  mode http\n  timeout connect 5s\n"
                  "  timeout client 30s\n  timeout server 30s\n  http-reuse always\n"
                  "frontend fe\n  bind 127.0.0.1:" + std::to_string(port) + "\n  default_backend be\n"
                  "backend be\n  server s1 127.0.0.1:" + std::to_string(server.port()) + "\n");
  proxy_process proxy{haproxy, {"-db", "-f", cfg.string()}, port};
  REQUIRE(proxy.ready());
  run_smuggling_probes(server, port);
}

TEST_CASE("through nginx with upstream keep-alive, no request hidden in a body is run",
          "[integration][front][proxy]") {
  const std::string nginx = "/usr/sbin/nginx";
  if (!installed(nginx)) {
    std::cout << "SKIPPED: nginx is not installed (Debian package nginx-light)\n";
    return;
  }
  server_process server;
  server.start();
  agg::test::temp_dir dir;
  auto port = agg::test::pick_free_port();
  auto d = dir.path().string();
  auto cfg = dir.path() / "nginx.conf";
  write_file(cfg, "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + d + "/nginx.pid;\n"
                  "error_log " + d + "/error.log;\nevents { worker_connections 256; }\n"
                  "http {\n  access_log off;\n  client_body_temp_path " + d + "/body;\n"
                  "  proxy_temp_path " + d + "/proxy;\n  fastcgi_temp_path " + d + "/fcgi;\n"
                  "  uwsgi_temp_path " + d + "/uwsgi;\n  scgi_temp_path " + d + "/scgi;\n"
                  "  upstream agg { server 127.0.0.1:" + std::to_string(server.port()) + "; keepalive 16; }\n"
                  "  server {\n    listen 127.0.0.1:" + std::to_string(port) + ";\n"
                  "    location / {\n      proxy_pass http://agg;\n      proxy_http_version 1.1;\n"
                  "      proxy_set_header Connection \"\";\n    }\n  }\n}\n");
  proxy_process proxy{nginx, {"-p", d, "-c", cfg.string()}, port};
  REQUIRE(proxy.ready());
  run_smuggling_probes(server, port);
}
