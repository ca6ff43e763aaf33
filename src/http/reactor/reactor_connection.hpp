#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/routes/body_budget.hpp"
#include "http/reactor/publish_head.hpp"

namespace agg {

/// One connection the reactor holds, and the request it is at.
struct reactor_connection {
  enum class phase { head, body, commit };
  int fd = -1;
  uint64_t id = 0;
  std::function<void()> serve; ///< httplib's closure for the socket, run on hand-off.
  std::string remote;
  phase at = phase::head;
  bool dead = false;
  size_t answered = 0;
  std::chrono::steady_clock::time_point armed; ///< When the next request could begin.
  bool head_begun = false;                     ///< Bytes of the next request were seen.
  publish_head head;
  std::string body;
  size_t body_read = 0;
  std::unique_ptr<body_budget::lease> lease;
  std::chrono::steady_clock::time_point started;  ///< Head read: the request is being served.
  std::chrono::steady_clock::time_point progress; ///< Last bytes read or written.
  uint64_t request = 0; ///< Counts this connection's publishes; matches outcomes.
  std::string out;      ///< Answer bytes not yet written.
  size_t out_sent = 0;
  bool close_after = false;
};

} // namespace agg
