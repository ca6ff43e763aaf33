#pragma once

#include <memory>
#include <optional>

#include <httplib.h>

#include "codec/request_error.hpp"
#include "http/routes/router.hpp"
#include "http/routes/routes.hpp"

namespace agg {

/// The largest body a publish may be decoded on the front's loop thread: decoding stalls
/// every other connection meanwhile, ~5 ns a byte, so 0.3 ms at this size but ~80 ms for a
/// 16 MiB body. Measured: batches of 100 (22 KB) were faster on the loop than on a worker.
inline constexpr size_t inline_publish_bytes = 64 * 1024;

/// Checks a POST /publish head before its body is read: the token (401/403), the declared
/// size (413) and its share of --max-body-memory (503 overloaded), which `hold` keeps.
/// nothing when the body may come, else the answer.
std::optional<httplib::Response> check_publish_head(const route_context& ctx,
                                                    const httplib::Request& head,
                                                    std::shared_ptr<void>& hold);

/// POST /publish on a read body: decodes its Content-Encoding (gzip or identity, else 415)
/// and the events, hands them to the actors and replies once they are committed. Never
/// blocks; the caller times the request (actor_bridge::publish_timeout()). With a `batch`,
/// the events wait in it for actor_bridge::send().
void serve_publish(const route_context& ctx, const httplib::Request& req,
                   std::shared_ptr<void> hold, router::reply_fn reply,
                   publish_batch* batch = nullptr);

} // namespace agg
