#include "http/readiness.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace agg {

std::optional<std::string> not_ready_reason(const route_context& ctx) {
  // Through the stats actor's mailbox: a stuck scheduler or a dead actor shows here.
  if (auto stats = ctx.bridge->stats(readiness_timeout); !stats)
    return "the actors did not answer within 1 s: " + error_text(stats.error());
  if (ctx.bridge->last_commit_failed())
    return "the last commit failed (see the server log); a publish that stores an event "
           "clears this";
  return std::nullopt;
}

std::string encode_readiness(const std::optional<std::string>& reason) {
  if (!reason)
    return R"({"status":"ready"})";
  return nlohmann::json{{"status", "not_ready"}, {"reason", *reason}}.dump();
}

} // namespace agg
