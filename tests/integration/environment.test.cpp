#include <catch2/catch.hpp>

#include "support/events.hpp"
#include "support/server_process.hpp"

using agg::test::check_error;
using agg::test::json;
using agg::test::make_events;
using agg::test::server_options;
using agg::test::server_process;

TEST_CASE("the binary takes options from EVENT_AGGREGATOR_* variables, below the command line",
          "[integration][config]") {
  server_options options;
  options.extra_args = {"--max-page", "7"};
  options.env = {{"EVENT_AGGREGATOR_MAX_EVENTS", "2"},
                 {"EVENT_AGGREGATOR_MAX_PAGE", "3"},
                 {"EVENT_AGGREGATOR_NO_SUCH_OPTION", "1"}};
  server_process server(options);
  server.start();
  INFO("server log:\n" << server.log_tail());

  // From the environment: three events are one too many.
  auto r = server.post_json("/publish", make_events("env", "e", 3));
  CHECK(check_error(r, 413, "too_many_events"));
  agg::test::publish_ok(server, make_events("env", "e", 2));
  // The command line's --max-page 7 beats the environment's 3.
  CHECK(server.get("/events?topic=env&limit=7").status == 200);
  CHECK(check_error(server.get("/events?topic=env&limit=8"), 400, "invalid_query"));
  // The unknown variable is logged, not fatal.
  CHECK(server.log_tail(100000).find("WARN ignoring environment variable "
                                     "EVENT_AGGREGATOR_NO_SUCH_OPTION: no such option")
        != std::string::npos);
}

TEST_CASE("an invalid EVENT_AGGREGATOR_* value stops the binary with exit code 2 naming it",
          "[integration][config]") {
  agg::test::temp_dir dir;
  auto run = agg::test::run_server_binary({"--port", "0", "--data-dir", dir.path().string()},
                                          std::chrono::seconds(10),
                                          {{"EVENT_AGGREGATOR_SHARDS", "zero"}});
  INFO(run.status.describe() << "\noutput:\n" << run.output);
  REQUIRE(run.status.exited);
  CHECK(run.status.code == 2);
  CHECK(run.output == "event-aggregator: environment variable EVENT_AGGREGATOR_SHARDS: option "
                      "--shards needs a whole number from 1 to 256, got \"zero\"\n");
}
