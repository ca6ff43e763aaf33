#include "http/routes/reply.hpp"

#include <string>

#include <httplib.h>

#include "http/routes/error_mapping.hpp"
#include "codec/json_codec.hpp"

namespace agg {

void reply_error(httplib::Response& res, const request_error& err) {
  res.status = err.status;
  if (auto secs = retry_after_seconds(err.status); secs > 0)
    res.set_header("Retry-After", std::to_string(secs));
  res.set_content(encode_error(err.code, err.message), json_type);
}

void reply_publish(httplib::Response& res, const publish_outcome& outcome) {
  if (outcome.error)
    return reply_error(res, map_error(outcome.error));
  res.set_content(encode_publish_answer(outcome.received, outcome.unique, outcome.duplicates), json_type);
}

} // namespace agg
