// The README's metrics table against what GET /metrics writes, so that a new metric cannot go
// undocumented (options.test.cpp does the same for the options table).

#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "http/routes/metrics_text.hpp"

namespace {

std::string readme() {
  std::ifstream in{std::string{AGG_SOURCE_DIR} + "/README.md"};
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("the README's metrics table has a row for every metric GET /metrics writes", "[docs]") {
  auto text = readme();
  agg::runtime_metrics runtime;
  agg::metrics_inputs in;
  in.runtime = &runtime;
  in.per_topic = true;
  agg::http_metrics http;
  std::istringstream rendered{agg::render_metrics(in, http)};
  static const std::regex type_line{R"(^# TYPE (\S+) )"};
  int families = 0;
  std::smatch m;
  for (std::string line; std::getline(rendered, line);)
    if (std::regex_search(line, m, type_line)) {
      ++families;
      auto name = m[1].str();
      INFO(name);
      // `name` alone, or with its labels: `name{route,code}`.
      CHECK((text.find("`" + name + "`") != std::string::npos
             || text.find("`" + name + "{") != std::string::npos));
    }
  CHECK(families > 20);
}
