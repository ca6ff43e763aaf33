#include "core/version.hpp"

#include <fstream>
#include <regex>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

TEST_CASE("the version is CMake's project version, and the API document states it",
          "[version]") {
  CHECK(std::regex_match(agg::version, std::regex{R"(\d+\.\d+\.\d+)"}));
  // docs/openapi.json is served as written, so its info.version is kept equal by hand.
  std::ifstream in{std::string{AGG_SOURCE_DIR} + "/docs/openapi.json"};
  REQUIRE(in);
  auto doc = nlohmann::json::parse(in);
  CHECK(doc.at("info").at("version") == agg::version);
}
