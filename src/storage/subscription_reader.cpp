#include "storage/subscription_reader.hpp"

#include <algorithm>

namespace agg {

caf::expected<std::unique_ptr<subscription_reader>>
subscription_reader::open(std::shared_ptr<store_readers> store, std::vector<std::string> topics) {
  auto reader = store->open_reader();
  if (!reader)
    return reader.error();
  return std::unique_ptr<subscription_reader>{
    new subscription_reader(std::move(store), std::move(*reader), std::move(topics))};
}

subscription_reader::subscription_reader(std::shared_ptr<store_readers> store,
                                         std::unique_ptr<event_reader> reader,
                                         std::vector<std::string> topics)
  : store_(std::move(store)),
    reader_(std::move(reader)),
    topics_(std::move(topics)),
    topic_ids_(topics_.size(), 0) {
}

caf::expected<event_reader*> subscription_reader::reader() {
  if (!reader_) {
    auto opened = store_->open_reader();
    if (!opened)
      return opened.error();
    reader_ = std::move(*opened);
  }
  return reader_.get();
}

caf::expected<int64_t> subscription_reader::newest_seq() {
  auto r = reader();
  if (!r)
    return r.error();
  auto newest = (*r)->newest_seq();
  reader_.reset();
  return newest;
}

caf::expected<subscription_reader::page> subscription_reader::read(int64_t after, size_t limit) {
  auto r = reader();
  if (!r)
    return r.error();
  auto result = read_snapshot(**r, after, limit);
  reader_.reset();
  return result;
}

caf::expected<subscription_reader::page>
subscription_reader::read_snapshot(event_reader& reader, int64_t after, size_t limit) {
  // One snapshot for all topics: read one by one at different moments, an event of the
  // first topic committed between two reads would sit below the last seq sent and be lost.
  if (auto err = reader.begin_snapshot())
    return err;
  struct end_guard {
    event_reader& r;
    ~end_guard() {
      r.end_snapshot();
    }
  } guard{reader};
  page result;
  result.at_end = true;
  // The page is shared among the topics, so memory per read stays near `limit` events
  // however many topics; a floor keeps each query worth its cost.
  auto per_topic = std::max<size_t>(64, limit / std::max<size_t>(1, topics_.size()));
  // Events above the smallest last seq of a full page may have unread events of that
  // topic below them: cut there, and the prefix is gap-free.
  int64_t cut = INT64_MAX;
  for (size_t i = 0; i < topics_.size(); ++i) {
    if (topic_ids_[i] == 0) {
      auto id = reader.topic_id(topics_[i]);
      if (!id)
        return id.error();
      if (!*id)
        continue;
      topic_ids_[i] = **id;
    }
    auto events = reader.page(topic_ids_[i], topics_[i], after, per_topic);
    if (!events)
      return events.error();
    if (events->size() >= per_topic) {
      result.at_end = false;
      cut = std::min(cut, events->back().seq);
    }
    std::move(events->begin(), events->end(), std::back_inserter(result.events));
  }
  auto by_seq = [](const stored_event& a, const stored_event& b) { return a.seq < b.seq; };
  std::sort(result.events.begin(), result.events.end(), by_seq);
  auto past_cut = std::find_if(result.events.begin(), result.events.end(),
                               [cut](const stored_event& e) { return e.seq > cut; });
  result.events.erase(past_cut, result.events.end());
  return result;
}

} // namespace agg
