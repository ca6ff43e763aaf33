#include "http/routes/subscribe_route.hpp"

#include <algorithm>
#include <charconv>

#include <httplib.h>

#include "http/routes/error_mapping.hpp"
#include "http/routes/reply.hpp"
#include "http/routes/sse_stream.hpp"
#include "storage/subscription_reader.hpp"

namespace agg {

namespace {

// Each topic costs one index read per catch-up page; a hundred covers any sensible use and
// keeps one request from asking for thousands.
constexpr size_t max_topics = 100;

// Reads `text` as a seq (0 to INT64_MAX) into `out`.
bool parse_seq(const std::string& text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size() && out >= 0;
}

// The topics of the request, or the error naming what is wrong with them.
bool read_topics(const route_context& ctx, const httplib::Request& req,
                 std::vector<std::string>& topics, request_error& err) {
  auto count = req.get_param_value_count("topic");
  if (count == 0) {
    err = {400, "invalid_query", "missing query parameter topic (repeat it for several topics)"};
    return false;
  }
  if (count > max_topics) {
    err = {400, "invalid_query", "at most " + std::to_string(max_topics)
                                   + " topic parameters, got " + std::to_string(count)};
    return false;
  }
  for (size_t i = 0; i < count; ++i) {
    auto topic = req.get_param_value("topic", i);
    if (topic.empty() || topic.size() > ctx.limits.max_topic_bytes) {
      err = {400, "invalid_query", "query parameter topic must be 1 to "
                                     + std::to_string(ctx.limits.max_topic_bytes)
                                     + " bytes (--max-topic-bytes), got "
                                     + std::to_string(topic.size())};
      return false;
    }
    topics.push_back(std::move(topic));
  }
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  return true;
}

// Where to resume: Last-Event-ID wins over ?after=, because EventSource reconnects to the
// same URL (after= included) and sends the id of the last event it got in the header.
bool read_resume_point(const httplib::Request& req, std::optional<int64_t>& after,
                       request_error& err) {
  int64_t seq = 0;
  if (auto id = req.get_header_value("Last-Event-ID"); !id.empty()) {
    if (!parse_seq(id, seq)) {
      err = {400, "invalid_query", "header Last-Event-ID must be a seq (a whole number from 0 to "
                                     + std::to_string(INT64_MAX) + "), got \"" + id + "\""};
      return false;
    }
    after = seq;
  } else if (req.has_param("after")) {
    auto text = req.get_param_value("after");
    if (!parse_seq(text, seq)) {
      err = {400, "invalid_query", "query parameter after must be a whole number from 0 to "
                                     + std::to_string(INT64_MAX) + ", got \"" + text + "\""};
      return false;
    }
    after = seq;
  }
  return true;
}

} // namespace

void handle_subscribe(const route_context& ctx, const httplib::Request& req,
                      httplib::Response& res) {
  std::vector<std::string> topics;
  std::optional<int64_t> after;
  request_error err;
  if (!read_topics(ctx, req, topics, err) || !read_resume_point(req, after, err))
    return reply_error(res, err);
  // Register before reading anything: from here on every commit reaches our queue.
  auto sub = ctx.hub->subscribe(topics);
  if (!sub) {
    if (ctx.hub->closed())
      return reply_error(res, {503, "shutting_down", "the server is stopping"});
    return reply_error(res, {503, "too_many_subscribers",
                             "the server has as many open subscriptions as it allows "
                             "(--max-subscribers); retry later"});
  }
  auto reader = subscription_reader::open(ctx.readers, topics);
  if (!reader)
    return reply_error(res, map_error(reader.error()));
  bool replay = after.has_value();
  if (!replay) {
    // Live only: everything committed after we registered, which is at most this.
    auto newest = (*reader)->newest_seq();
    if (!newest)
      return reply_error(res, map_error(newest.error()));
    after = *newest;
  }
  auto stream = std::make_shared<sse_stream>(ctx.hub, std::move(sub), std::move(*reader), *after,
                                             replay, ctx.sse);
  res.set_header("Cache-Control", "no-cache");
  // Asks nginx-style proxies not to buffer the stream.
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider("text/event-stream", [stream](size_t, httplib::DataSink& sink) {
    auto text = stream->next();
    if (!text) {
      sink.done();
      return true;
    }
    // An empty chunk would end the chunked body: write only when there is something.
    return text->empty() || sink.write(text->data(), text->size());
  });
}

} // namespace agg
