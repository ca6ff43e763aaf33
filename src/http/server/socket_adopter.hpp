#pragma once

#include <functional>
#include <memory>

namespace agg {

/// Something that serves accepted sockets without a thread each (the publish reactor). The
/// connection pool offers it every connection it takes; the adopter serves what it can and
/// hands the rest back to be served on a thread. The pool knows nothing else about it.
class socket_adopter {
public:
  /// httplib's closure that serves one accepted socket on the calling thread.
  using serve_fn = std::function<void()>;
  /// Serve `fd` on a thread from now on (blocking mode restored, nothing of it consumed).
  using hand_off_fn = std::function<void(int fd, serve_fn serve)>;
  /// A connection the adopter held has ended.
  using closed_fn = std::function<void()>;
  /// Makes one adopter that calls back into its pool.
  using factory = std::function<std::unique_ptr<socket_adopter>(hand_off_fn, closed_fn)>;

  virtual ~socket_adopter() = default;

  /// Takes over an accepted socket; `serve` is run on hand-off. From any thread, until stop().
  virtual void adopt(int fd, serve_fn serve) = 0;

  /// Reads no new request, answers those in flight, closes every connection and joins.
  virtual void stop() = 0;
};

} // namespace agg
