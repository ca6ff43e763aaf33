#include "support/certificate.hpp"
#include "support/events.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using agg::test::fetch_events;
using agg::test::make_certificate;
using agg::test::make_event;
using agg::test::publish_ok;
using agg::test::server_process;
using agg::test::temp_dir;

namespace {

/// Runs the binary to completion with a private data dir and `args`; REQUIREs it to exit.
agg::test::run_result run_with(const temp_dir& dir, std::vector<std::string> args) {
  args.insert(args.end(), {"--port", "0", "--data-dir", (dir / "data").string()});
  auto run = agg::test::run_server_binary(args);
  INFO(run.status.describe() << "\noutput:\n" << run.output);
  REQUIRE(run.status.exited);
  return run;
}

} // namespace

TEST_CASE("with --tls-cert and --tls-key the server speaks HTTPS only", "[integration][tls]") {
  temp_dir dir;
  auto c = make_certificate(dir, "server");
  server_process server({"--tls-cert", c.cert, "--tls-key", c.key});
  server.start(); // polls GET /healthz over HTTPS
  publish_ok(server, make_event("tls", "e1"));
  CHECK(fetch_events(server, "tls").size() == 1);
  SECTION("a client that trusts the certificate verifies it") {
    httplib::SSLClient verified("127.0.0.1", server.port());
    verified.set_ca_cert_path(c.cert.c_str());
    verified.enable_server_certificate_verification(true);
    auto res = verified.Get("/healthz");
    INFO(httplib::to_string(res.error()) << " " << verified.get_openssl_verify_result());
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  SECTION("plain HTTP on the same port gets no answer") {
    httplib::Client plain("127.0.0.1", server.port());
    plain.set_read_timeout(5, 0);
    auto res = plain.Get("/healthz");
    CHECK_FALSE((res && res->status == 200));
  }
}

TEST_CASE("a TLS certificate or key that cannot be loaded stops start-up with exit code 1",
          "[integration][tls]") {
  temp_dir dir;
  auto good = make_certificate(dir, "good");
  SECTION("a missing certificate file") {
    auto run = run_with(dir, {"--tls-cert", (dir / "absent.crt").string(), "--tls-key", good.key});
    CHECK(run.status.code == 1);
    CHECK(run.output.find("cannot read TLS file " + (dir / "absent.crt").string())
          != std::string::npos);
  }
  SECTION("a certificate file that is not PEM") {
    auto junk = (dir / "junk.crt").string();
    std::ofstream{junk} << "not a certificate\n";
    auto run = run_with(dir, {"--tls-cert", junk, "--tls-key", good.key});
    CHECK(run.status.code == 1);
    CHECK(run.output.find("cannot load the TLS certificate " + junk) != std::string::npos);
  }
  SECTION("a key of another certificate") {
    auto other = make_certificate(dir, "other");
    auto run = run_with(dir, {"--tls-cert", good.cert, "--tls-key", other.key});
    CHECK(run.status.code == 1);
    CHECK(run.output.find("the key does not match") != std::string::npos);
  }
}

TEST_CASE("a TLS certificate without its key is an option error with exit code 2",
          "[integration][tls]") {
  temp_dir dir;
  auto run = run_with(dir, {"--tls-cert", (dir / "c.crt").string()});
  CHECK(run.status.code == 2);
  CHECK(run.output.find("--tls-cert and --tls-key go together") != std::string::npos);
}

TEST_CASE("the healthcheck mode asks /readyz over HTTPS when a certificate is configured",
          "[integration][tls][healthcheck]") {
  temp_dir dir;
  auto c = make_certificate(dir, "server");
  server_process server({"--tls-cert", c.cert, "--tls-key", c.key});
  server.start();
  auto port = std::to_string(server.port());
  // The same options the server got, as in a container: the check reads them the same way.
  auto run = agg::test::run_server_binary(
    {"--healthcheck", "--port", port, "--tls-cert", c.cert, "--tls-key", c.key});
  INFO(run.status.describe() << "\noutput:\n" << run.output);
  CHECK(run.status.code == 0);
  CHECK(run.output == "ready: https://127.0.0.1:" + port + "/readyz answered 200\n");
  // Plain HTTP to a TLS port gets no HTTP answer: not ready.
  CHECK(agg::test::run_server_binary({"--healthcheck", "--port", port}).status.code == 1);
}
