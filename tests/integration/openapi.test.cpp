#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "support/server_process.hpp"

using agg::test::server_process;

TEST_CASE("GET /openapi.json serves docs/openapi.json, and every path in it is served",
          "[integration][openapi]") {
  server_process server;
  server.start();
  auto r = server.get("/openapi.json");
  INFO(r.describe());
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "application/json");
  std::ifstream in{std::string{AGG_SOURCE_DIR} + "/docs/openapi.json"};
  std::ostringstream file;
  file << in.rdbuf();
  CHECK(r.body == file.str());
  CHECK(server.get("/openapiXjson").status == 404); // the '.' is not a regex wildcard

  auto doc = r.json();
  REQUIRE(doc.at("paths").size() >= 7);
  for (auto& [path, operations] : doc.at("paths").items())
    for (auto& [method, op] : operations.items()) {
      INFO(method << " " << path);
      std::string upper = method == "post" ? "POST" : "GET";
      // The documented method reaches a handler (any answer but 404/405)...
      auto answer = server.send(upper, path, "{}");
      CHECK(answer.status != 404);
      CHECK(answer.status != 405);
      // ...and the path exists for the server: another method gets 405, not 404.
      auto other = server.send(upper == "GET" ? "DELETE" : "PUT", path);
      CHECK(other.status == 405);
      CHECK(op.at("responses").contains(std::to_string(answer.status)));
    }
}
