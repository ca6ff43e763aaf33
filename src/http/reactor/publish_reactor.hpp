#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bridge/publish_ticket.hpp"
#include "bridge/actor_bridge.hpp"
#include "http/routes/routes.hpp"
#include "http/server/socket_adopter.hpp"

namespace httplib {
struct Response;
}

namespace agg {

class reactor_mailbox;
struct reactor_connection;

/// What the publish reactor needs besides the routes' context.
struct reactor_settings {
  route_context routes;
  /// From the moment a connection may start a request until its head is read (the same
  /// deadline connection_pool applies to the connections it serves on threads).
  std::chrono::milliseconds header_deadline{12000};
  /// Reactors (each one thread), connections spread over them round robin.
  size_t threads = 1;
};

/// An epoll loop on one thread that serves plain-HTTP `POST /publish` requests of many
/// keep-alive connections without a thread each: it peeks at each request's head, and
/// either serves it (reads exactly the head and body, decodes, hands the events to the
/// actors with actor_bridge::publish_async, writes the answer once the commit is confirmed)
/// or, for anything else, hands the connection back untouched to be served by httplib on a
/// thread for the rest of its life. The answers are httplib's, byte for byte.
class publish_reactor final : public socket_adopter {
public:
  /// `hand_off(fd, serve)`: serve the socket on a thread (blocking mode restored, nothing of
  /// its next request consumed). `closed()`: a connection the reactor held has ended.
  publish_reactor(reactor_settings settings, std::function<void(int, serve_fn)> hand_off,
                  std::function<void()> closed);
  ~publish_reactor() override;

  publish_reactor(const publish_reactor&) = delete;
  publish_reactor& operator=(const publish_reactor&) = delete;

  /// Takes over an accepted socket; `serve` is httplib's closure for it, run on hand-off.
  /// From any thread, until stop().
  void adopt(int fd, serve_fn serve) override;

  /// Reads no new request, answers those in flight, closes every connection and joins.
  void stop() override;

private:
  using connection = reactor_connection;

  void loop();
  void take_mail();
  void on_ready(connection& c, uint32_t events);
  void advance(connection& c);
  bool begin_body(connection& c, size_t peeked);
  void read_body(connection& c);
  // recv() on c's socket: the bytes read (or peeked), or 0 when none can be read now; on the
  // peer's end or a socket error it closes the connection too.
  size_t receive(connection& c, char* buf, size_t len, int flags);
  void start_publish(connection& c);
  void answer(connection& c, httplib::Response& res);
  void write_out(connection& c);
  void check_deadlines();
  void drain();
  void close(connection& c);
  void hand_off(connection& c);

  const reactor_settings settings_;
  std::function<void(int, serve_fn)> hand_off_;
  std::function<void()> closed_;
  std::shared_ptr<reactor_mailbox> mail_; ///< Shared with publish callbacks, which may outlive us.
  int epoll_ = -1;
  uint64_t next_id_ = 1; ///< 0 is the mailbox's wake-up descriptor.
  std::unordered_map<uint64_t, std::unique_ptr<connection>> connections_;
  std::vector<uint64_t> ended_; ///< Closed or handed off; erased after each round of events.
  bool draining_ = false;
  publish_batch batch_; ///< Publishes started in this round of events, sent after it.
  std::thread thread_;
};

} // namespace agg
