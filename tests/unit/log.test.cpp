#include "core/log.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace std::chrono_literals;

namespace {

// 2025-01-31T12:00:00.250Z
const auto when = std::chrono::system_clock::time_point{1738324800s + 250ms};

} // namespace

TEST_CASE("a text line has time, level, message and key=value fields", "[log]") {
  auto line = agg::format_log_line(when, agg::log_level::warn, "disk almost full",
                                   {{"path", "/data/events.db"}, {"free", 12}, {"note", "two words"}},
                                   agg::log_format::text);
  CHECK(line == "2025-01-31T12:00:00.250Z WARN disk almost full path=/data/events.db free=12 "
                "note=\"two words\"\n");
}

TEST_CASE("a json line is one object with ts, level, msg and typed fields", "[log]") {
  auto line = agg::format_log_line(when, agg::log_level::info, "opened",
                                   {{"events", 42}, {"ratio", 0.5}, {"path", "a\"b\\c"}},
                                   agg::log_format::json);
  CHECK(line == R"({"ts":"2025-01-31T12:00:00.250Z","level":"info","msg":"opened","events":42,)"
                R"("ratio":0.5,"path":"a\"b\\c"})"
                "\n");
}

TEST_CASE("json lines stay single, valid JSON whatever the text holds", "[log]") {
  std::string nasty = "line\nbreak\ttab \x01 bad utf8 \xff\xc3 ok \xc3\xa9";
  auto line = agg::format_log_line(when, agg::log_level::error, nasty, {{"k", nasty}},
                                   agg::log_format::json);
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  auto j = nlohmann::json::parse(line.substr(0, line.size() - 1));
  CHECK(j.at("msg") == "line\nbreak\ttab \x01 bad utf8 \xef\xbf\xbd\xef\xbf\xbd ok \xc3\xa9");
  CHECK(j.at("k") == j.at("msg"));
}

TEST_CASE("levels filter: each level includes the more severe ones", "[log]") {
  agg::set_log_options(agg::log_level::warn, agg::log_format::text);
  CHECK(agg::log_enabled(agg::log_level::error));
  CHECK(agg::log_enabled(agg::log_level::warn));
  CHECK_FALSE(agg::log_enabled(agg::log_level::info));
  CHECK_FALSE(agg::log_enabled(agg::log_level::debug));
  agg::set_log_options(agg::log_level::debug, agg::log_format::json);
  CHECK(agg::log_enabled(agg::log_level::debug));
  CHECK(agg::current_log_format() == agg::log_format::json);
  agg::set_log_options(agg::log_level::info, agg::log_format::text); // the default again
  agg::log_level parsed{};
  CHECK(agg::parse_log_level("debug", parsed));
  CHECK(parsed == agg::log_level::debug);
  CHECK_FALSE(agg::parse_log_level("verbose", parsed));
  CHECK_FALSE(agg::parse_log_level("INFO", parsed));
}
