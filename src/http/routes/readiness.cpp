#include "http/routes/readiness.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace agg {

std::optional<std::string> not_ready_reason(const route_context& ctx) {
  if (ctx.actors_down && ctx.actors_down->load() > 0)
    return "an actor stopped unexpectedly (see the server log); restart the service";
  // Through the stats actor's mailbox: a stuck scheduler or a dead actor shows here.
  if (auto stats = ctx.bridge->stats(readiness_timeout); !stats)
    return "the actors did not answer within 1 s: " + error_text(stats.error());
  // The writer runs on its own thread: ask it too. It answers at once while commits
  // succeed; after a failed one it tries a write, so readiness returns without publishes.
  if (auto err = ctx.bridge->probe_store(readiness_timeout))
    return "the store does not take writes: " + error_text(err);
  if (ctx.bridge->overloaded_within(readiness_overload_window))
    return "publishes were refused as overloaded within the last second "
           "(--max-inflight-events)";
  return std::nullopt;
}

std::string encode_readiness(const std::optional<std::string>& reason) {
  if (!reason)
    return R"({"status":"ready"})";
  return nlohmann::json{{"status", "not_ready"}, {"reason", *reason}}.dump();
}

} // namespace agg
