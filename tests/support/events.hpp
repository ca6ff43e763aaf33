#pragma once

#include "support/server_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

// Shared helpers for the integration tests: building events, reading pages, checking errors.
// They use Catch2 assertions, so call them from the test's own thread only.

namespace agg::test {

using json = nlohmann::json;

/// A valid event on `topic`; every other field can be overridden.
inline json make_event(const std::string& topic, const std::string& id,
                       json payload = json{{"n", 1}},
                       const std::string& timestamp = "2024-05-01T12:00:00Z",
                       const std::string& source = "integration-test") {
  return json{{"topic", topic},
              {"event_id", id},
              {"timestamp", timestamp},
              {"source", source},
              {"payload", std::move(payload)}};
}

/// `count` valid events on `topic` with ids `<prefix><first>`...; payload {"i": index}.
inline json make_events(const std::string& topic, const std::string& prefix, int count,
                        int first = 0) {
  json batch = json::array();
  for (int i = first; i < first + count; ++i)
    batch.push_back(make_event(topic, prefix + std::to_string(i), json{{"i", i}}));
  return batch;
}

/// Four events of 32 KiB each on topic "heavy" (ids "<request>-0".."-3"): a few such batches
/// fill a store whose process may write only 1 MiB (server_options::file_size_limit).
inline json heavy_batch(int request) {
  json batch = json::array();
  for (int i = 0; i < 4; ++i)
    batch.push_back(make_event("heavy", std::to_string(request) + "-" + std::to_string(i),
                               json{{"blob", std::string(32 * 1024, 'x')}}));
  return batch;
}

/// The parts of a `Link: </events?topic=T&after=S&limit=L>; rel="next"` header.
struct next_link {
  std::string path;  ///< The URL between < and >, to GET as is.
  std::string topic; ///< Decoded topic.
  uint64_t after = 0;
  uint64_t limit = 0;
};

/// True when `text` can stand as a query value: printable ASCII without the characters that
/// would end or change it (& # + < > " and space), and every '%' starts an escape.
inline bool is_url_encoded(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20 || c >= 0x7F || std::string("&#+<>\"").find(char(c)) != std::string::npos)
      return false;
    if (c == '%'
        && (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1]))
            || !std::isxdigit(static_cast<unsigned char>(text[i + 2]))))
      return false;
  }
  return true;
}

/// Parses a Link header of the contract's exact form; FAILs the test on any other form.
inline next_link parse_next_link(const std::string& header) {
  static const std::regex form(
    R"re(^<(/events\?topic=([^&>]*)&after=(\d+)&limit=(\d+))>; ?rel="next"$)re");
  std::smatch m;
  INFO("Link: " << header);
  REQUIRE(std::regex_match(header, m, form));
  REQUIRE(is_url_encoded(m[2].str()));
  return next_link{m[1].str(), url_decode(m[2].str()), std::stoull(m[3].str()),
                   std::stoull(m[4].str())};
}

/// GET `path`, REQUIRE 200 with a JSON array.
inline json get_array(const server_process& s, const std::string& path) {
  auto r = s.get(path);
  INFO("GET " << path << " -> " << r.describe());
  REQUIRE(r.status == 200);
  auto j = r.try_json();
  REQUIRE(j);
  REQUIRE(j->is_array());
  return *j;
}

/// All events of `topic`, following Link rel="next" until it is absent (`limit` 0: none sent).
inline std::vector<json> fetch_events(const server_process& s, const std::string& topic,
                                      int limit = 0) {
  std::string path = "/events?topic=" + url_encode(topic);
  if (limit > 0)
    path += "&limit=" + std::to_string(limit);
  std::vector<json> all;
  // Bounded: no test stores more than 20,000 events, and each page holds at least one.
  for (int pages = 0; pages < 20001; ++pages) {
    auto r = s.get(path);
    INFO("GET " << path << " -> " << r.describe());
    REQUIRE(r.status == 200);
    auto page = r.try_json();
    REQUIRE(page);
    REQUIRE(page->is_array());
    for (auto& e : *page)
      all.push_back(e);
    if (!r.has_header("Link"))
      return all;
    REQUIRE_FALSE(page->empty()); // a Link after an empty page would never end
    auto link = parse_next_link(s.raw_header(path, "Link"));
    CHECK(link.topic == topic);
    path = link.path;
  }
  FAIL("Link headers did not stop");
  return all;
}

/// The event_ids of `events`, in order.
inline std::vector<std::string> ids_of(const std::vector<json>& events) {
  std::vector<std::string> ids;
  for (auto& e : events)
    ids.push_back(e.at("event_id").get<std::string>());
  return ids;
}

/// POST /publish; REQUIREs a 200 whose counters add up, and returns the answer.
inline json publish_ok(const server_process& s, const json& body) {
  auto r = s.post_json("/publish", body);
  INFO("POST /publish -> " << r.describe());
  REQUIRE(r.status == 200);
  auto j = r.try_json();
  REQUIRE(j);
  REQUIRE(j->value("status", "") == "ok");
  REQUIRE((*j)["received"].is_number_integer());
  REQUIRE((*j)["unique_processed"].is_number_integer());
  REQUIRE((*j)["duplicate_dropped"].is_number_integer());
  REQUIRE((*j)["received"].get<int64_t>()
          == (*j)["unique_processed"].get<int64_t>() + (*j)["duplicate_dropped"].get<int64_t>());
  return *j;
}

/// CHECKs `{"error": code, "message": <non-empty>}` with `status`; true when all hold.
inline bool check_error(const reply& r, int status, const std::string& code) {
  INFO(r.describe());
  CHECK(r.status == status);
  auto j = r.try_json();
  CHECK(j.has_value());
  if (!j || !j->is_object())
    return false;
  CHECK(j->value("error", "") == code);
  CHECK((*j)["message"].is_string());
  CHECK_FALSE(j->value("message", "").empty());
  return r.status == status && j->value("error", "") == code && !j->value("message", "").empty();
}

/// REQUIREs the error shape and returns its message.
inline std::string require_error(const reply& r, int status, const std::string& code) {
  INFO(r.describe());
  REQUIRE(check_error(r, status, code));
  return r.json()["message"].get<std::string>();
}

/// REQUIREs GET /healthz to answer 200 {"status":"ok"}.
inline void require_healthy(const server_process& s) {
  auto r = s.get("/healthz");
  INFO("GET /healthz -> " << r.describe() << "\nserver log:\n" << s.log_tail());
  REQUIRE(r.status == 200);
  REQUIRE(r.try_json() == json{{"status", "ok"}});
}

/// Posts `body` to /publish, CHECKs the error and that the message names `field` (when given),
/// then REQUIREs the server to be alive.
inline void expect_rejected(const server_process& server, const std::string& body, int status,
                            const std::string& code, const std::string& field = "") {
  auto r = server.post("/publish", body);
  INFO("body (first 300 bytes): " << body.substr(0, 300));
  if (check_error(r, status, code) && !field.empty()) {
    auto message = r.json()["message"].get<std::string>();
    INFO("message: " << message);
    CHECK(message.find(field) != std::string::npos);
  }
  require_healthy(server);
}

/// The counters and topics of /stats, without the ever-changing uptime.
inline json stats_without_uptime(const server_process& s) {
  auto j = s.stats();
  j.erase("uptime");
  return j;
}

/// REQUIREs /stats of a server that never accepted anything: zero counters, no topics.
inline void require_nothing_stored(const server_process& s) {
  auto j = stats_without_uptime(s);
  INFO("stats: " << j.dump());
  REQUIRE(j
          == json{{"received", 0},
                  {"unique_processed", 0},
                  {"duplicate_dropped", 0},
                  {"topics", json::array()}});
}

} // namespace agg::test
