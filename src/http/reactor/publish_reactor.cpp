#include "http/reactor/publish_reactor.hpp"

#include <cerrno>
#include <string>

#include <fcntl.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include "core/log.hpp"
#include "http/routes/body_budget.hpp"
#include "http/routes/error_mapping.hpp"
#include "http/routes/ops_routes.hpp"
#include "http/reactor/publish_head.hpp"
#include "http/reactor/reactor_connection.hpp"
#include "http/reactor/reactor_mailbox.hpp"
#include "http/routes/reply.hpp"
#include "http/reactor/response_bytes.hpp"
#include "http/server/server_tuning.hpp"

namespace agg {

namespace {

using clock_type = std::chrono::steady_clock;

// The most of a request the reactor peeks at to find the end of its head. A publish head is
// a few hundred bytes; a longer one (large headers) goes to httplib, which has its own limits.
constexpr size_t peek_limit = 8192;

// The largest body the reactor decodes itself. Decoding runs on the loop and stalls every
// other connection meanwhile: ~5 ns a byte, so 0.3 ms at this size but ~80 ms for a 16 MiB
// body. Larger bodies (batches of more than ~300 events) go to a thread of their own, where
// decoding runs beside the loop; measured, batches of 100 (22 KB) were faster on the reactor.
constexpr size_t reactor_body_limit = 64 * 1024;

// How often deadlines are checked: the shortest one (the 2 s keep-alive wait) is seconds,
// so a twentieth of one is precise enough, and the scan of all connections costs little.
constexpr int tick_ms = 50;

constexpr uint64_t wake_id = 0;

bool would_block(int err) {
  return err == EAGAIN || err == EWOULDBLOCK;
}

// The peer's address as httplib writes it into Request::remote_addr.
std::string remote_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  char host[NI_MAXHOST] = "";
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0
      || ::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof(host), nullptr, 0,
                       NI_NUMERICHOST)
           != 0)
    return {};
  return host;
}

} // namespace

publish_reactor::publish_reactor(reactor_settings settings,
                                 std::function<void(int, serve_fn)> hand_off,
                                 std::function<void()> closed)
    : settings_(std::move(settings)),
      hand_off_(std::move(hand_off)),
      closed_(std::move(closed)),
      mail_(std::make_shared<reactor_mailbox>()) {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0)
    throw std::runtime_error("publish reactor: cannot create its epoll descriptor");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = wake_id;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, mail_->wake_fd(), &ev);
  thread_ = std::thread{[this] { loop(); }};
}

publish_reactor::~publish_reactor() {
  stop();
  ::close(epoll_);
}

void publish_reactor::adopt(int fd, serve_fn serve) {
  mail_->adopt(fd, std::move(serve));
}

void publish_reactor::stop() {
  if (!thread_.joinable())
    return;
  mail_->request_stop();
  thread_.join();
}

void publish_reactor::loop() {
  std::vector<epoll_event> events(256);
  auto next_check = clock_type::now();
  for (;;) {
    int timeout = connections_.empty() && !draining_ ? -1 : tick_ms;
    int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == wake_id) {
        take_mail();
        continue;
      }
      auto it = connections_.find(events[i].data.u64);
      if (it != connections_.end() && !it->second->dead)
        on_ready(*it->second, events[i].events);
    }
    if (auto now = clock_type::now(); now >= next_check) {
      check_deadlines();
      next_check = now + std::chrono::milliseconds(tick_ms);
    }
    // Every publish this round started goes to the shards now, one message per shard; after
    // the deadline check too, which starts the request pipelined behind a timed-out one.
    if (!batch_.empty())
      settings_.routes.bridge->send(batch_);
    for (auto id : ended_)
      connections_.erase(id);
    ended_.clear();
    if (draining_ && connections_.empty())
      break;
  }
  mail_->close();
}

void publish_reactor::take_mail() {
  auto mail = mail_->take();
  auto now = clock_type::now();
  for (auto& [fd, serve] : mail.adopted) {
    auto c = std::make_unique<connection>();
    c->fd = fd;
    c->id = next_id_++;
    c->serve = std::move(serve);
    c->remote = remote_of(fd);
    c->armed = c->progress = now;
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    // Edge-triggered: a peek leaves bytes unread, and level-triggered would report them
    // again and again while a head is incomplete. Each new arrival is a new edge.
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = c->id;
    auto& held = *connections_.emplace(c->id, std::move(c)).first->second;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0)
      hand_off(held);
  }
  for (auto& d : mail.finished) {
    auto it = connections_.find(d.connection);
    if (it == connections_.end())
      continue;
    auto& c = *it->second;
    // An outcome after the request timed out (or the connection ended) is no one's.
    if (c.dead || c.at != connection::phase::commit || c.request != d.request)
      continue;
    httplib::Response res;
    reply_publish(res, d.result);
    answer(c, res);
    advance(c);
  }
  if (mail.stop && !draining_)
    drain();
}

void publish_reactor::on_ready(connection& c, uint32_t events) {
  if ((events & EPOLLOUT) && !c.out.empty())
    write_out(c);
  if (c.dead)
    return;
  if (c.at == connection::phase::body)
    read_body(c);
  else
    advance(c);
  // In the commit phase the next request's bytes stay in the socket until the answer.
}

// Serves every complete request already on the connection, one after the other (pipelining),
// until one waits for its commit or more bytes, or the connection is handed off or ends.
void publish_reactor::advance(connection& c) {
  while (!c.dead && c.at == connection::phase::head && c.out.empty() && !draining_) {
    char buf[peek_limit];
    auto n = receive(c, buf, sizeof(buf), MSG_PEEK);
    if (n == 0)
      return;
    c.head_begun = true;
    auto verdict = read_publish_head({buf, n}, c.head);
    if (verdict == head_verdict::need_more && n < peek_limit)
      return; // the next edge brings more
    if (verdict != head_verdict::publish)
      return hand_off(c);
    if (!begin_body(c, n))
      return;
  }
}

// Takes the request if the route would serve it without a surprise, else hands it off:
// httplib then answers the 401/403/413/503 exactly as without the reactor.
bool publish_reactor::begin_body(connection& c, size_t peeked) {
  auto& ctx = settings_.routes;
  auto length = c.head.content_length;
  if (length > ctx.max_body_bytes || length > reactor_body_limit
      || check_access(ctx.tokens, access_need::publish, c.head.authorization)
           != auth_verdict::allowed) {
    hand_off(c);
    return false;
  }
  if (ctx.bodies) {
    c.lease = std::make_unique<body_budget::lease>(*ctx.bodies);
    if (!c.lease->grow(length)) {
      c.lease.reset();
      hand_off(c);
      return false;
    }
  }
  // Consume exactly the head, and the body with it when the peek saw all of it (one call
  // instead of two): what was peeked is there to be read.
  auto whole = c.head.head_bytes + length;
  auto take = peeked >= whole ? whole : c.head.head_bytes;
  c.body.resize(take);
  for (size_t got = 0; got < take;) {
    auto n = receive(c, &c.body[got], take - got, 0);
    if (n == 0) {
      close(c); // peeked bytes cannot be missing: a socket that says so has failed
      return false;
    }
    got += n;
  }
  c.body.erase(0, c.head.head_bytes);
  c.body_read = c.body.size();
  c.body.resize(length);
  c.started = c.progress = clock_type::now();
  c.at = connection::phase::body;
  read_body(c);
  return !c.dead;
}

size_t publish_reactor::receive(connection& c, char* buf, size_t len, int flags) {
  for (;;) {
    auto n = ::recv(c.fd, buf, len, flags);
    if (n > 0)
      return static_cast<size_t>(n);
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0 || !would_block(errno))
      close(c); // the peer is gone, or the socket failed
    return 0;
  }
}

void publish_reactor::read_body(connection& c) {
  while (c.body_read < c.body.size()) {
    auto n = receive(c, &c.body[c.body_read], c.body.size() - c.body_read, 0);
    if (n == 0)
      return;
    c.body_read += n;
    c.progress = clock_type::now();
  }
  start_publish(c);
}

void publish_reactor::start_publish(connection& c) {
  auto decoded = decode_publish(c.body, settings_.routes.limits);
  // The events are copies: give the body's memory back before waiting for the commit.
  std::string{}.swap(c.body);
  c.lease.reset();
  if (!decoded.ok()) {
    httplib::Response res;
    reply_error(res, decoded.error);
    return answer(c, res);
  }
  c.at = connection::phase::commit;
  auto request = ++c.request;
  settings_.routes.bridge->publish_async(
    std::move(decoded.events),
    [mail = mail_, id = c.id, request](publish_outcome outcome) {
      mail->deliver({id, request, std::move(outcome)});
    },
    &batch_);
}

// Writes the answer to the current request, counted and logged as httplib's logger does.
void publish_reactor::answer(connection& c, httplib::Response& res) {
  auto& ctx = settings_.routes;
  auto now = clock_type::now();
  if (res.status == -1) // httplib's "not set", which it answers as 200
    res.status = 200;
  // httplib's own rule: the last request a connection may carry is answered "close".
  bool close = c.head.close || c.answered + 1 >= keep_alive_requests || draining_;
  httplib::Request req;
  req.method = "POST";
  req.path = "/publish";
  req.target = c.head.target;
  req.remote_addr = c.remote;
  if (ctx.metrics)
    ctx.metrics->observe_publish(now - c.started);
  c.out = response_bytes(res, close);
  c.out_sent = 0;
  // Counted before the bytes leave, so a client that has its answer also sees it counted.
  note_answer(ctx.metrics, ctx.access_log, req, res, c.started);
  ++c.answered;
  c.close_after = close;
  c.at = connection::phase::head;
  c.head_begun = false;
  c.armed = c.progress = now;
  write_out(c);
}

void publish_reactor::write_out(connection& c) {
  while (c.out_sent < c.out.size()) {
    auto n = ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (!would_block(errno))
        close(c);
      return; // EPOLLOUT's edge resumes it
    }
    c.out_sent += static_cast<size_t>(n);
    c.progress = clock_type::now();
  }
  c.out.clear();
  c.out_sent = 0;
  c.armed = clock_type::now();
  if (c.close_after)
    close(c);
}

void publish_reactor::check_deadlines() {
  auto now = clock_type::now();
  auto io_timeout = std::chrono::seconds(io_timeout_seconds);
  auto publish_timeout = settings_.routes.bridge->publish_timeout();
  for (auto& [id, held] : connections_) {
    auto& c = *held;
    if (c.dead)
      continue;
    if (!c.out.empty() || c.at == connection::phase::body) {
      if (now - c.progress >= io_timeout)
        close(c);
    } else if (c.at == connection::phase::head) {
      // Idle: httplib's keep-alive wait; a head begun: the header deadline.
      auto limit = c.head_begun ? settings_.header_deadline
                                : std::chrono::milliseconds(keep_alive_seconds * 1000);
      if (now - c.armed >= limit)
        close(c);
    } else if (now - c.started >= publish_timeout) {
      httplib::Response res;
      reply_error(res, map_error(settings_.routes.bridge->timeout_error()));
      answer(c, res);
      advance(c);
    }
  }
}

// Stop: connections between requests end now; those waiting for a commit get their answer
// (with "Connection: close") and then end, as httplib finishes a request in progress.
void publish_reactor::drain() {
  draining_ = true;
  for (auto& [id, held] : connections_) {
    auto& c = *held;
    if (c.dead || c.at == connection::phase::commit)
      continue;
    if (c.out.empty())
      close(c);
    else
      c.close_after = true;
  }
}

void publish_reactor::close(connection& c) {
  if (c.dead)
    return;
  ::close(c.fd); // also takes it out of the epoll set
  c.dead = true;
  c.lease.reset();
  ended_.push_back(c.id);
  closed_();
}

void publish_reactor::hand_off(connection& c) {
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
  ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) & ~O_NONBLOCK);
  c.dead = true;
  ended_.push_back(c.id);
  hand_off_(c.fd, std::move(c.serve));
}

} // namespace agg
