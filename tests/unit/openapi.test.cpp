#include "http/routes/openapi_document.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "http/routes/http_metrics.hpp"
#include "http/routes/routes.hpp"

using nlohmann::json;

namespace {

json document() {
  return json::parse(agg::openapi_document());
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

} // namespace

TEST_CASE("the embedded OpenAPI document is docs/openapi.json, and OpenAPI 3", "[openapi]") {
  std::ifstream in{std::string{AGG_SOURCE_DIR} + "/docs/openapi.json"};
  REQUIRE(in);
  std::ostringstream file;
  file << in.rdbuf();
  CHECK(agg::openapi_document() == file.str());
  auto doc = document();
  CHECK(doc.at("openapi").get<std::string>().rfind("3.", 0) == 0);
}

TEST_CASE("every route the server registers is in the OpenAPI document, and no other",
          "[openapi]") {
  auto paths = document().at("paths");
  std::set<std::string> served;
  for (auto& route : agg::route_table()) {
    INFO(route.method << " " << route.path);
    served.insert(route.path);
    REQUIRE(paths.contains(route.path));
    CHECK(paths.at(route.path).contains(lower(route.method)));
  }
  for (auto& [path, operations] : paths.items()) {
    INFO(path);
    CHECK(served.count(path) == 1);
    CHECK(operations.size() == 1); // each path takes one method (GET routes answer HEAD too)
  }
}

TEST_CASE("every documented error response uses the Error schema or names its own",
          "[openapi]") {
  auto doc = document();
  for (auto& [path, operations] : doc.at("paths").items())
    for (auto& [method, op] : operations.items()) {
      REQUIRE(op.contains("responses"));
      for (auto& [code, response] : op.at("responses").items()) {
        INFO(method << " " << path << " " << code);
        if (code[0] != '4' && code[0] != '5')
          continue;
        if (response.contains("$ref")) {
          auto name = response.at("$ref").get<std::string>().substr(sizeof("#/components/responses/") - 1);
          CHECK(doc.at("components").at("responses").contains(name));
          continue;
        }
        auto schema = response.at("content").at("application/json").at("schema").at("$ref");
        if (path == "/readyz")
          CHECK(schema == "#/components/schemas/Readiness");
        else
          CHECK(schema == "#/components/schemas/Error");
      }
    }
}

TEST_CASE("every route has its own label in the request metrics", "[openapi][metrics]") {
  auto& labels = agg::http_metrics::routes;
  for (auto& route : agg::route_table())
    CHECK(std::find(labels.begin(), labels.end(), route.path) != labels.end());
  CHECK(labels.size() == agg::route_table().size() + 1); // + "other"
}
