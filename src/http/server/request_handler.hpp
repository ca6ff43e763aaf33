#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <httplib.h>

namespace agg {

/// What the front asks of the layer above it. The front frames requests and writes answers;
/// this decides what the answers are. Requests and answers are cpp-httplib's plain types,
/// filled and read by the front: the routes never see a socket.
class request_handler {
public:
  using clock_type = std::chrono::steady_clock;
  /// Delivers the answer, from any thread, once. An answer with a chunked content provider
  /// must come from a thread that may block: the provider runs on it, write after write.
  using reply_fn = std::function<void(httplib::Response&&)>;

  virtual ~request_handler() = default;

  /// On the loop thread once a head is read, before its body: an answer to send without the
  /// body (the front then drains the body up to its bound, or closes), or nothing to go on.
  /// `hold` keeps what the handler reserved for the body until serve() has returned.
  virtual std::optional<httplib::Response> check_head(const httplib::Request& head,
                                                      std::shared_ptr<void>& hold) = 0;

  /// True when serve() never blocks for `req`, so the loop thread itself may run it.
  virtual bool serves_inline(const httplib::Request& req) const = 0;

  /// On the loop thread, after the requests it served inline in one round of events: work
  /// they started may go out together now (one message per actor, not one per request).
  virtual void end_of_round() {}

  /// Answers `req` (head and whole body) through `reply`.
  virtual void serve(httplib::Request& req, std::shared_ptr<void> hold, reply_fn reply) = 0;

  /// How long the front waits for serve()'s answer before it sends timeout_answer()
  /// instead (nothing: as long as it takes).
  virtual std::optional<std::chrono::milliseconds> answer_timeout(const httplib::Request& req) const = 0;
  virtual httplib::Response timeout_answer() = 0;

  /// The answer to a request the front refuses to frame (status 400, 413 or 417).
  virtual httplib::Response framing_error(int status, const std::string& why) = 0;
  /// The answer to a connection past the front's connection cap.
  virtual httplib::Response too_many_connections() = 0;

  /// Just before an answer is written: counts and logs it. `started`: when its head was read.
  virtual void answered(const httplib::Request& req, const httplib::Response& res,
                        clock_type::time_point started) = 0;
};

} // namespace agg
