#include "actors/stats.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace agg {

stats_snapshot stats_state::snapshot() const {
  stats_snapshot s;
  s.unique = unique;
  s.duplicates = duplicates;
  // Derived, so received == unique + duplicates holds by construction.
  s.received = unique + duplicates;
  s.topics.assign(topics.begin(), topics.end());
  s.uptime_seconds
    = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return s;
}

void stats_state::sample() {
  auto s = snapshot();
  history.push_back({s.uptime_seconds, s.received, s.unique, s.duplicates});
  if (history.size() > stats_history_size)
    history.pop_front();
}

stats_actor::behavior_type stats(stats_actor::stateful_pointer<stats_state> self,
                                 writer_actor writer, stored_counters initial,
                                 std::vector<std::string> topics) {
  self->state.unique = initial.unique;
  self->state.duplicates = initial.duplicates;
  self->state.duplicates_saved = initial.duplicates;
  self->state.topics.insert(topics.begin(), topics.end());
  self->state.sample();
  self->delayed_send(self, stats_save_interval, tick_atom::value);
  return {
    [=](record_atom, uint64_t unique, uint64_t duplicates, std::vector<std::string>& new_topics) {
      self->state.unique += unique;
      self->state.duplicates += duplicates;
      for (auto& topic : new_topics)
        self->state.topics.insert(std::move(topic));
    },
    [=](caf::get_atom) { return self->state.snapshot(); },
    [=](history_atom) {
      return std::vector<stats_sample>(self->state.history.begin(), self->state.history.end());
    },
    [=](persist_atom) -> caf::result<bool> {
      auto promise = self->make_response_promise<bool>();
      auto value = self->state.duplicates;
      self->request(writer, caf::infinite, save_dups_atom::value, value)
        .then([=](bool ok) mutable {
                self->state.duplicates_saved = value;
                promise.deliver(ok);
              },
              [=](caf::error& err) mutable { promise.deliver(std::move(err)); });
      return promise;
    },
    [=](tick_atom) {
      self->delayed_send(self, stats_save_interval, tick_atom::value);
      self->state.sample();
      auto value = self->state.duplicates;
      if (value == self->state.duplicates_saved)
        return;
      // A failed save is retried at the next tick, since duplicates_saved stays behind.
      self->request(writer, caf::infinite, save_dups_atom::value, value)
        .then([=](bool) { self->state.duplicates_saved = value; }, [](caf::error&) {});
    },
  };
}

} // namespace agg
