// http_ceiling: how many requests cpp-httplib itself answers on this machine, with no JSON,
// actors or SQLite behind it. It serves POST /publish with the fixed answer of a one-event
// publish, reading the body as the server does, on httplib's thread-per-connection model
// tuned like src/http/http_server.cpp (TCP_NODELAY, keep-alive). It keeps httplib's fixed pool
// of --threads (64): the server's elastic pool gives each connection a thread too, so at
// bench/run.sh's 64 connections the two serve alike.
// bench/run.sh loads it like the server, so the gap between the two rows is our own cost.
//
// Usage: http_ceiling [--port N] [--threads N]     (port 0, the default, picks a free one)
// --host and --data-dir are taken and ignored, so bench/lib.sh starts it like the server.
// Prints "listening on http://127.0.0.1:PORT" once it serves; stops on SIGTERM/SIGINT.
#include <httplib.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

httplib::Server* server = nullptr;

void stop(int) {
  // stop() only closes the listening socket and flags the loop: fine from a handler here,
  // where nothing else needs a clean shutdown.
  if (server)
    server->stop();
}

} // namespace

int main(int argc, char** argv) {
  int port = 0;
  size_t threads = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0)
      port = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--threads") == 0)
      threads = static_cast<size_t>(std::atoi(argv[i + 1]));
    else if (std::strcmp(argv[i], "--host") == 0 || std::strcmp(argv[i], "--data-dir") == 0)
      continue;
    else {
      std::fprintf(stderr, "usage: http_ceiling [--port N] [--threads N]\n");
      return 2;
    }
  }
  httplib::Server svr;
  server = &svr;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_max_count(1000);
  svr.set_keep_alive_timeout(2);
  svr.Post("/publish", [](const httplib::Request& req, httplib::Response& res) {
    // The body is read (httplib did so before calling us) but not parsed.
    res.set_content(req.body.empty() ? R"({"error":"empty"})"
                                     : R"({"received":1,"unique_processed":1,"duplicate_dropped":0,"status":"ok"})",
                    "application/json");
  });
  svr.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  int bound = port == 0 ? svr.bind_to_any_port("127.0.0.1") : (svr.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound < 0) {
    std::fprintf(stderr, "http_ceiling: cannot listen on port %d\n", port);
    return 1;
  }
  std::signal(SIGTERM, stop);
  std::signal(SIGINT, stop);
  std::fprintf(stderr, "listening on http://127.0.0.1:%d\n", bound);
  svr.listen_after_bind();
  return 0;
}
