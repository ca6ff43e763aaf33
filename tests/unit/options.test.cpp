#include "core/options.hpp"

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/environment.hpp"
#include "core/tokens.hpp"

namespace {

// One row of README.md's options table: | `--name` | `VARIABLE` | `default` | meaning |.
struct readme_row {
  std::string option;   ///< "--port", "--config FILE", "(no option)", ...
  std::string variable; ///< "EVENT_AGGREGATOR_PORT", or "" for --help.
  std::string fallback; ///< The default column: "8080", "none", or "".
};

std::string unquote(std::string cell) {
  auto first = cell.find_first_not_of(' ');
  auto last = cell.find_last_not_of(' ');
  cell = first == std::string::npos ? "" : cell.substr(first, last - first + 1);
  if (cell.size() >= 2 && cell.front() == '`' && cell.back() == '`')
    cell = cell.substr(1, cell.size() - 2);
  return cell;
}

// The rows of the table in README.md's "## Options" section, in order.
std::vector<readme_row> readme_options_table() {
  std::ifstream in{std::string{AGG_SOURCE_DIR} + "/README.md"};
  REQUIRE(in);
  std::vector<readme_row> rows;
  bool in_section = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0)
      in_section = line == "## Options";
    if (!in_section || line.rfind("| ", 0) != 0 || line.rfind("| option ", 0) == 0)
      continue;
    std::vector<std::string> cells;
    for (size_t start = 1, bar; (bar = line.find('|', start)) != std::string::npos;
         start = bar + 1)
      cells.push_back(unquote(line.substr(start, bar - start)));
    REQUIRE(cells.size() >= 3);
    rows.push_back({cells[0], cells[1], cells[2]});
  }
  return rows;
}

} // namespace

TEST_CASE("the options table holds each option once, with a help text", "[options]") {
  std::set<std::string> names, shown;
  for (auto& o : agg::options()) {
    INFO(o.name);
    CHECK(names.insert(o.name).second);
    CHECK(shown.insert(o.shown_as).second);
    CHECK_FALSE(o.help.empty());
    CHECK(agg::find_option(o.name) == &o);
  }
  CHECK(names.count("config") == 0); // --config is the command line's, not an option
  CHECK(agg::find_option("no-such-option") == nullptr);
}

TEST_CASE("every option reads back the value it shows", "[options]") {
  agg::config defaults;
  for (auto& o : agg::options()) {
    auto shown = o.show(defaults);
    if (shown == "<none>" || o.shown_as != o.name)
      continue; // Unset, or a token file, which shows its token, not itself.
    INFO(o.name << " = " << shown);
    agg::config cfg;
    CHECK(o.apply(cfg, shown).empty());
    CHECK(agg::describe(cfg) == agg::describe(defaults));
  }
}

TEST_CASE("the start-up description is one name = value line per option", "[options]") {
  agg::config cfg;
  cfg.port = 9000;
  cfg.tls_cert = "/c.pem";
  auto fields = agg::describe_fields(cfg);
  REQUIRE(fields.size() == agg::options().size());
  CHECK(fields[1].key == "port");
  CHECK(fields[1].value == "9000");
  auto text = agg::describe(cfg);
  CHECK(text.rfind("host = 127.0.0.1\nport = 9000\ndata-dir = ./data\n", 0) == 0);
  CHECK(text.find("\nactor-scheduler = stealing\n") != std::string::npos);
  CHECK(text.find("\nsync = full\nsync-interval-ms = 1000\naccess-log = off\n")
        != std::string::npos);
  CHECK(text.find("\nlog-level = info\nlog-format = text\n") != std::string::npos);
  CHECK(text.find("\ntls-cert = /c.pem\ntls-key = <none>\n") != std::string::npos);
}

TEST_CASE("README's options table lists every option in order, with its variable and default",
          "[options][readme]") {
  auto rows = readme_options_table();
  REQUIRE_FALSE(rows.empty());
  agg::config defaults;
  std::vector<std::string> listed;
  for (auto& row : rows) {
    INFO("README row " << row.option);
    if (row.option.rfind("--", 0) == 0 && row.option.find(' ') == std::string::npos
        && row.option.find(',') == std::string::npos && row.option != "--healthcheck") {
      auto* o = agg::find_option(row.option.substr(2));
      REQUIRE(o != nullptr); // a row for an option the server does not have
      listed.push_back(o->name);
      CHECK(row.variable == agg::env_name(o->name));
      auto shown = o->show(defaults);
      CHECK(row.fallback == (shown == "<none>" ? "none" : shown));
    } else {
      // The rows that are not options: the token variables, --config, --healthcheck, --help.
      std::set<std::string> others = {"(no option)", "--config FILE", "--healthcheck",
                                      "--help`, `--version"};
      CHECK(others.count(row.option) == 1);
      std::set<std::string> variables = {agg::publish_token_env, agg::read_token_env,
                                         agg::env_name("config"), ""};
      CHECK(variables.count(row.variable) == 1);
    }
  }
  CHECK(listed == agg::option_names());
}
