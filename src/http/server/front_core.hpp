#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "http/server/front.hpp"
#include "http/server/worker_pool.hpp"

namespace agg {

/// A connection as the front sees it when it stops.
class front_connection {
public:
  virtual ~front_connection() = default;
  /// From any thread: close now when idle, else after the answer in progress.
  virtual void stop() = 0;
};

/// What the front and its connections share.
struct front_core {
  front_core(front_settings s, request_handler& h)
    : settings(std::move(s)), handler(h),
      workers(worker_pool::limits{settings.warm_threads, settings.max_connections}) {}

  const front_settings settings;
  request_handler& handler;
  worker_pool workers;
  std::optional<boost::asio::ssl::context> tls;
  std::atomic<bool> stopping{false};
  std::atomic<bool> round_end_posted{false}; ///< An end_of_round() call is queued.
  boost::asio::io_context* loop = nullptr;   ///< The event loop, for end_of_round().

  std::mutex mutex; ///< Guards live.
  std::condition_variable ended; ///< A connection left live.
  std::unordered_map<front_connection*, std::weak_ptr<front_connection>> live;

  size_t open() {
    std::lock_guard<std::mutex> lock{mutex};
    return live.size();
  }
};

/// Serves an accepted socket until it closes; `refuse`: answer too_many_connections() only.
void serve_connection(front_core& core, boost::asio::ip::tcp::socket socket, bool refuse);

} // namespace agg
