// One connection of the front: reads and frames its requests one after the other
// (pipelined bytes wait in the buffer), hands each to the request_handler and writes the
// answer before it parses the next. Every member is touched only on the connection's
// strand, except where a function says otherwise.
#include "http/server/front_core.hpp"

#include <algorithm>
#include <cstdio>
#include <future>
#include <string_view>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/server/answer_bytes.hpp"
#include "http/server/chunk_scan.hpp"

namespace agg {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// A head is read 4 KiB at a time: a typical one fits, and an idle plain connection holds no
// buffer at all (it waits for readability first). Bodies come in larger reads.
constexpr size_t head_read = 4096;
constexpr size_t body_read = 16384;
// What a closing connection reads and drops before it gives up on a clean end.
constexpr size_t linger_bytes = 1u << 20;

tcp::socket& lowest(tcp::socket& s) {
  return s;
}
tcp::socket& lowest(net::ssl::stream<tcp::socket>& s) {
  return s.next_layer();
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

template <class Stream>
class connection final : public front_connection,
                         public std::enable_shared_from_this<connection<Stream>> {
public:
  connection(front_core& core, Stream stream)
    : core_(core), stream_(std::move(stream)), timer_(lowest(stream_).get_executor()) {}

  void start(bool refuse);
  net::any_io_executor executor() { return timer_.get_executor(); }
  void stop() override {
    net::post(timer_.get_executor(), [self = this->shared_from_this()] { self->on_stop(); });
  }

private:
  enum class phase { handshake, idle, head, body, serving, writing, streaming, lingering, closed };
  using request_ptr = std::shared_ptr<httplib::Request>;

  static constexpr bool tls = std::is_same_v<Stream, net::ssl::stream<tcp::socket>>;

  void begin_request();
  void read_more();
  void on_read(error_code ec, size_t n);
  void on_head_bytes();
  void on_body_bytes();
  void dispatch();
  void reply(httplib::Response&& res, uint64_t id); // any thread
  void write_answer(httplib::Response res);
  void refuse(int status, const std::string& why);
  void finish_answer();
  void linger();
  void close();
  void arm(std::chrono::milliseconds after);
  void on_timer();
  void on_stop();
  // Streaming, on the worker thread that delivered the answer.
  void stream(httplib::Response res, uint64_t id);
  bool on_strand_and_wait(std::function<void(std::function<void(bool)>)> op);
  bool write_and_wait(std::string bytes);

  bool http10() const { return req_ && req_->version == "HTTP/1.0"; }
  long idle_seconds() const {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(core_.settings.idle_timeout).count());
  }

  front_core& core_;
  Stream stream_;
  net::steady_timer timer_;
  boost::beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<chunk_scanner> chunks_; ///< A chunked body's line checks, ahead of parser_.
  size_t scanned_ = 0; ///< Bytes at the front of buf_ that chunks_ has seen.
  phase phase_ = phase::idle;
  request_ptr req_;
  std::shared_ptr<void> hold_;
  request_handler::clock_type::time_point started_;
  uint64_t request_id_ = 0; ///< Replies for an earlier request (timed out) are dropped.
  size_t answered_ = 0;
  size_t lingered_ = 0;
  bool keep_alive_ = true;
  bool close_after_ = false;
  bool draining_ = false; ///< Answered before the body, which is now read and dropped.
  bool stopping_ = false;
  std::string out_head_;
  httplib::Response out_;
};

template <class Stream>
void connection<Stream>::start(bool refuse) {
  auto self = this->shared_from_this();
  if (refuse) {
    req_ = std::make_shared<httplib::Request>();
    started_ = request_handler::clock_type::now();
    close_after_ = true;
    if constexpr (tls) {
      // The refusal must be readable: it goes out once the handshake is done.
      phase_ = phase::handshake;
      arm(core_.settings.header_timeout);
      stream_.async_handshake(net::ssl::stream_base::server, [self](error_code ec) {
        if (ec)
          return self->close();
        self->phase_ = phase::serving;
        self->write_answer(self->core_.handler.too_many_connections());
      });
    } else {
      phase_ = phase::serving;
      write_answer(core_.handler.too_many_connections());
    }
    return;
  }
  if constexpr (tls) {
    phase_ = phase::handshake;
    arm(core_.settings.header_timeout);
    stream_.async_handshake(net::ssl::stream_base::server, [self](error_code ec) {
      if (ec)
        return self->close();
      self->begin_request();
    });
  } else {
    begin_request();
  }
}

template <class Stream>
void connection<Stream>::begin_request() {
  if (phase_ == phase::closed)
    return;
  if (stopping_)
    return linger();
  phase_ = phase::idle;
  parser_.reset();
  chunks_.reset();
  scanned_ = 0;
  req_.reset();
  hold_.reset();
  draining_ = false;
  keep_alive_ = true;
  if (buf_.size() > 0) // a pipelined request is here already
    return on_read({}, 0);
  arm(core_.settings.idle_timeout);
  if constexpr (tls) {
    read_more(); // OpenSSL and Asio may hold decrypted bytes: only a read can tell
  } else {
    buf_.shrink_to_fit(); // idle: the buffer goes, the socket and the timer stay
    lowest(stream_).async_wait(tcp::socket::wait_read,
                               [self = this->shared_from_this()](error_code ec) {
                                 if (ec)
                                   return self->close();
                                 self->read_more();
                               });
  }
}

template <class Stream>
void connection<Stream>::read_more() {
  auto want = phase_ == phase::body ? body_read : head_read;
  stream_.async_read_some(buf_.prepare(want),
                          [self = this->shared_from_this()](error_code ec, size_t n) {
                            self->on_read(ec, n);
                          });
}

template <class Stream>
void connection<Stream>::on_read(error_code ec, size_t n) {
  if (phase_ == phase::closed)
    return;
  if (ec)
    return close(); // the peer ended, reset, or the read was cancelled by close()
  buf_.commit(n);
  switch (phase_) {
  case phase::lingering:
    lingered_ += buf_.size();
    buf_.consume(buf_.size());
    return lingered_ > linger_bytes ? close() : read_more();
  case phase::idle:
    phase_ = phase::head;
    started_ = request_handler::clock_type::now();
    arm(core_.settings.header_timeout);
    return on_head_bytes();
  case phase::head:
    return on_head_bytes();
  case phase::body:
    arm(core_.settings.io_timeout);
    return on_body_bytes();
  default:
    return; // not reading in other phases
  }
}

template <class Stream>
void connection<Stream>::on_head_bytes() {
  std::string_view data{static_cast<const char*>(buf_.data().data()), buf_.size()};
  auto scan = scan_head(data, core_.settings.head);
  if (scan.result == head_scan::verdict::invalid)
    return refuse(400, scan.why);
  if (scan.result == head_scan::verdict::need_more)
    return read_more();
  auto& p = parser_.emplace();
  p.header_limit(static_cast<uint32_t>(core_.settings.head.head_bytes));
  p.body_limit(core_.settings.max_body_bytes);
  p.eager(true);
  error_code ec;
  auto used = p.put(net::buffer(data.data(), scan.head_bytes), ec);
  if (ec == http::error::body_limit)
    return refuse(413, "the declared body is larger than the limit");
  if (ec || !p.is_header_done())
    return refuse(400, "the request head is malformed: " + ec.message());
  buf_.consume(used);
  auto why = check_framing(p.get().base(), p.chunked(), tls);
  if (!why.empty())
    return refuse(400, why);
  if (p.chunked())
    chunks_.emplace(core_.settings.head.line_bytes);
  req_ = std::make_shared<httplib::Request>();
  fill_request(p.get().base(), *req_);
  error_code ignored;
  auto peer = lowest(stream_).remote_endpoint(ignored);
  req_->remote_addr = peer.address().to_string(ignored);
  req_->remote_port = peer.port();
  keep_alive_ = p.keep_alive();
  bool expect_continue = false;
  if (req_->has_header("Expect")) {
    if (!iequals(req_->get_header_value("Expect"), "100-continue") || http10())
      return refuse(417, "only Expect: 100-continue is supported");
    expect_continue = !p.is_done();
  }
  if (auto early = core_.handler.check_head(*req_, hold_)) {
    // Answered before the body: a short body is read and dropped after the answer, so the
    // next request starts where the client thinks; a long or unknown one is never read,
    // and the connection closes, since no next request can be found after it.
    auto length = p.content_length();
    draining_ = !p.is_done();
    if (!p.is_done() && (!length || *length > core_.settings.drain_bytes || expect_continue))
      close_after_ = true;
    phase_ = phase::serving;
    return write_answer(std::move(*early));
  }
  phase_ = phase::body;
  arm(core_.settings.io_timeout);
  if (expect_continue) {
    static const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
    return net::async_write(stream_, net::buffer(go_on),
                            [self = this->shared_from_this()](error_code ec, size_t) {
                              if (ec)
                                return self->close();
                              self->on_body_bytes();
                            });
  }
  on_body_bytes();
}

template <class Stream>
void connection<Stream>::on_body_bytes() {
  auto& p = *parser_;
  while (!p.is_done()) {
    if (buf_.size() == 0)
      return read_more();
    if (chunks_ && scanned_ < buf_.size()) {
      auto bytes = static_cast<const char*>(buf_.data().data());
      auto why = chunks_->scan({bytes + scanned_, buf_.size() - scanned_});
      scanned_ = buf_.size();
      if (!why.empty())
        return refuse(400, why);
    }
    error_code ec;
    auto used = p.put(buf_.data(), ec);
    buf_.consume(used);
    scanned_ -= std::min(used, scanned_);
    if (ec == http::error::need_more) {
      if (used == 0)
        return read_more();
      continue;
    }
    if (ec == http::error::body_limit)
      return refuse(413, "the body is larger than the limit");
    if (ec)
      return refuse(400, "the request body is malformed: " + ec.message());
  }
  dispatch();
}

template <class Stream>
void connection<Stream>::dispatch() {
  if (draining_) { // its answer is out already
    draining_ = false;
    ++answered_;
    return begin_request();
  }
  phase_ = phase::serving;
  req_->body = std::move(parser_->get().body());
  parser_.reset();
  auto id = ++request_id_;
  if (auto limit = core_.handler.answer_timeout(*req_))
    arm(*limit);
  else
    timer_.cancel();
  auto self = this->shared_from_this();
  auto deliver = [self, id](httplib::Response&& res) { self->reply(std::move(res), id); };
  if (core_.handler.serves_inline(*req_)) {
    core_.handler.serve(*req_, std::move(hold_), std::move(deliver));
    // Posted now, it runs after the completions already queued: the rest of this round.
    if (!core_.round_end_posted.exchange(true))
      net::post(*core_.loop, [&core = core_] {
        core.round_end_posted = false;
        core.handler.end_of_round();
      });
    return;
  }
  core_.workers.run([self, req = req_, hold = std::move(hold_), deliver]() mutable {
    self->core_.handler.serve(*req, std::move(hold), std::move(deliver));
  });
}

template <class Stream>
void connection<Stream>::reply(httplib::Response&& res, uint64_t id) {
  if (res.is_chunked_content_provider_)
    return stream(std::move(res), id);
  net::post(timer_.get_executor(),
            [self = this->shared_from_this(), res = std::move(res), id]() mutable {
              if (self->phase_ == phase::serving && self->request_id_ == id)
                self->write_answer(std::move(res));
            });
}

template <class Stream>
void connection<Stream>::write_answer(httplib::Response res) {
  if (res.status == -1) // httplib's "not set", which means 200
    res.status = 200;
  if (res.get_header_value("Connection") == "close" || !keep_alive_ || core_.stopping
      || answered_ + 1 >= core_.settings.keep_alive_requests)
    close_after_ = true;
  if (!req_)
    req_ = std::make_shared<httplib::Request>();
  // Counted before the bytes leave, so a client that has its answer also sees it counted.
  core_.handler.answered(*req_, res, started_);
  out_ = std::move(res);
  out_head_ = answer_head(out_, body_framing::length, close_after_, idle_seconds());
  phase_ = phase::writing;
  arm(core_.settings.io_timeout);
  std::array<net::const_buffer, 2> bytes{net::buffer(out_head_),
                                         net::buffer(req_->method == "HEAD" ? std::string_view{}
                                                                             : std::string_view{out_.body})};
  net::async_write(stream_, bytes, [self = this->shared_from_this()](error_code ec, size_t) {
    if (ec)
      return self->close();
    self->finish_answer();
  });
}

template <class Stream>
void connection<Stream>::finish_answer() {
  out_ = {};
  out_head_.clear();
  if (close_after_)
    return linger();
  if (draining_) {
    phase_ = phase::body;
    arm(core_.settings.io_timeout);
    return on_body_bytes();
  }
  ++answered_;
  begin_request();
}

template <class Stream>
void connection<Stream>::refuse(int status, const std::string& why) {
  if (draining_)
    return close(); // this request has had its answer; a broken body ends the connection
  close_after_ = true;
  phase_ = phase::serving;
  write_answer(core_.handler.framing_error(status, why));
}

// After an answer that closes: end our side, then read and drop what the client still sends
// for a moment, so that a request it had already sent does not turn the close into a reset
// that could destroy the answer before the client read it.
template <class Stream>
void connection<Stream>::linger() {
  if (phase_ == phase::closed || phase_ == phase::lingering)
    return;
  phase_ = phase::lingering;
  error_code ignored;
  lowest(stream_).shutdown(tcp::socket::shutdown_send, ignored);
  arm(core_.settings.linger);
  lingered_ = buf_.size();
  buf_.consume(buf_.size());
  read_more();
}

template <class Stream>
void connection<Stream>::close() {
  if (phase_ == phase::closed)
    return;
  phase_ = phase::closed;
  timer_.cancel();
  error_code ignored;
  lowest(stream_).close(ignored);
  hold_.reset();
  std::lock_guard<std::mutex> lock{core_.mutex};
  core_.live.erase(this);
  core_.ended.notify_all();
}

template <class Stream>
void connection<Stream>::arm(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait([self = this->shared_from_this()](error_code ec) {
    if (!ec)
      self->on_timer();
  });
}

template <class Stream>
void connection<Stream>::on_timer() {
  if (phase_ == phase::serving) {
    ++request_id_; // the late reply is no one's
    return write_answer(core_.handler.timeout_answer());
  }
  close(); // idle, a head or body too slow, a write that does not drain, a linger over
}

template <class Stream>
void connection<Stream>::on_stop() {
  stopping_ = true;
  // Between requests (or inside a head) nothing was promised: the connection ends now.
  if (phase_ == phase::idle || phase_ == phase::head || phase_ == phase::handshake)
    return close();
  close_after_ = true; // the answer in progress goes out, then the connection ends
}

template <class Stream>
bool connection<Stream>::on_strand_and_wait(std::function<void(std::function<void(bool)>)> op) {
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  net::post(timer_.get_executor(), [op = std::move(op), done] {
    op([done](bool ok) { done->set_value(ok); });
  });
  return result.get();
}

template <class Stream>
bool connection<Stream>::write_and_wait(std::string bytes) {
  auto data = std::make_shared<std::string>(std::move(bytes));
  return on_strand_and_wait([self = this->shared_from_this(), data](std::function<void(bool)> done) {
    if (self->phase_ != phase::streaming)
      return done(false);
    self->arm(self->core_.settings.io_timeout);
    net::async_write(self->stream_, net::buffer(*data),
                     [data, done](error_code ec, size_t) { done(!ec); });
  });
}

// A chunked answer (GET /events, GET /subscribe): the provider runs on this worker thread,
// and each piece it writes goes out on the strand while this thread waits for it.
template <class Stream>
void connection<Stream>::stream(httplib::Response res, uint64_t id) {
  if (res.status == -1)
    res.status = 200;
  auto self = this->shared_from_this();
  bool head_only = false;
  bool chunked = true;
  bool ok = on_strand_and_wait([&](std::function<void(bool)> done) {
    if (phase_ != phase::serving || request_id_ != id)
      return done(false);
    timer_.cancel();
    head_only = req_->method == "HEAD";
    chunked = !http10();
    if (!chunked || !keep_alive_ || core_.stopping)
      close_after_ = true;
    core_.handler.answered(*req_, res, started_);
    phase_ = phase::streaming;
    arm(core_.settings.io_timeout);
    auto head = std::make_shared<std::string>(
      answer_head(res, chunked ? body_framing::chunked : body_framing::until_close, close_after_,
                  idle_seconds()));
    net::async_write(stream_, net::buffer(*head), [head, done](error_code ec, size_t) { done(!ec); });
  });
  bool finished = head_only;
  size_t offset = 0;
  httplib::DataSink sink;
  sink.write = [&](const char* data, size_t size) {
    if (!ok || size == 0)
      return ok;
    std::string piece;
    if (chunked) {
      char prefix[24];
      std::snprintf(prefix, sizeof(prefix), "%zx\r\n", size);
      piece = prefix;
    }
    piece.append(data, size);
    if (chunked)
      piece += "\r\n";
    ok = write_and_wait(std::move(piece));
    offset += size;
    return ok;
  };
  sink.done = [&] { finished = true; };
  sink.is_writable = [&] { return ok; };
  while (ok && !finished)
    ok = res.content_provider_(offset, 0, sink);
  if (ok && chunked && !head_only)
    ok = write_and_wait("0\r\n\r\n");
  res.content_provider_success_ = ok;
  net::post(timer_.get_executor(), [self, ok] {
    if (self->phase_ != phase::streaming)
      return;
    if (!ok)
      return self->close();
    self->finish_answer();
  });
}

} // namespace

void serve_connection(front_core& core, tcp::socket socket, bool refuse) {
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored); // Nagle + delayed ACK: ~25 req/s a client
  std::shared_ptr<front_connection> c;
  if (core.tls) {
    auto tc = std::make_shared<connection<net::ssl::stream<tcp::socket>>>(
      core, net::ssl::stream<tcp::socket>(std::move(socket), *core.tls));
    c = tc;
    {
      std::lock_guard<std::mutex> lock{core.mutex};
      core.live.emplace(c.get(), c);
    }
    net::post(tc->executor(), [tc, refuse] { tc->start(refuse); });
  } else {
    auto pc = std::make_shared<connection<tcp::socket>>(core, std::move(socket));
    c = pc;
    {
      std::lock_guard<std::mutex> lock{core.mutex};
      core.live.emplace(c.get(), c);
    }
    net::post(pc->executor(), [pc, refuse] { pc->start(refuse); });
  }
}

} // namespace agg
