#include "http/server/front.hpp"

#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <openssl/ssl.h>

#include "core/log.hpp"
#include "http/server/front_core.hpp"

namespace agg {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// How long stop() waits for answers in progress (a publish waits at most for its commit
// timeout, 10 s by default) before it closes what is left.
constexpr std::chrono::seconds stop_grace{30};

// After a failed accept (EMFILE: out of descriptors) the loop retries after a pause instead
// of spinning; the kernel keeps the connection in its backlog meanwhile.
constexpr std::chrono::milliseconds accept_retry{50};

} // namespace

struct http_front::impl {
  impl(front_settings s, request_handler& h) : core(std::move(s), h) {
    core.loop = &ioc;
  }

  void accept_next() {
    acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket socket) {
      if (core.stopping)
        return;
      if (ec) {
        retry.expires_after(accept_retry);
        retry.async_wait([this](error_code) {
          if (!core.stopping)
            accept_next();
        });
        return;
      }
      auto open = core.open();
      bool refuse = open >= core.settings.max_connections;
      // One WARN per episode of refusals, not one per connection.
      if (refuse && !refusing_logged)
        log_warning("connection limit reached (" + std::to_string(open) + " open, --max-connections "
                    + std::to_string(core.settings.max_connections)
                    + "): answering new connections 503 too_many_connections");
      refusing_logged = refuse;
      serve_connection(core, std::move(socket), refuse);
      accept_next();
    });
  }

  front_core core;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  net::steady_timer retry{ioc};
  std::vector<std::thread> threads;
  std::atomic<size_t> running_threads{0};
  bool refusing_logged = false; ///< Only touched by the accept handler.
};

http_front::http_front(front_settings settings, request_handler& handler)
  : impl_(std::make_unique<impl>(std::move(settings), handler)) {}

http_front::~http_front() {
  stop();
}

uint16_t http_front::start(const std::string& host, uint16_t port, std::string& error) {
  auto& s = impl_->core.settings;
  if (!s.tls_cert.empty()) {
    try {
      net::ssl::context ctx{net::ssl::context::tls_server};
      ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2
                      | net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1
                      | net::ssl::context::no_tlsv1_1);
      ctx.use_certificate_chain_file(s.tls_cert);
      ctx.use_private_key_file(s.tls_key, net::ssl::context::pem);
      if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
        throw std::runtime_error("key mismatch");
      // An idle TLS connection gives its read and write buffers back to OpenSSL's pool.
      SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
      impl_->core.tls.emplace(std::move(ctx));
    } catch (const std::exception&) {
      error = "cannot load the TLS certificate " + s.tls_cert + " with the key " + s.tls_key
              + ": not PEM, or the key does not match the certificate";
      return 0;
    }
  }
  error_code ec;
  auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) {
    error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
    return 0;
  }
  tcp::endpoint at{address, port};
  auto& acc = impl_->acceptor;
  acc.open(at.protocol(), ec);
  // SO_REUSEADDR only: SO_REUSEPORT would let a second instance bind the same port silently.
  if (!ec)
    acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec)
    acc.bind(at, ec);
  if (!ec)
    acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
    return 0;
  }
  auto bound = acc.local_endpoint(ec).port();
  impl_->accept_next();
  for (size_t i = 0; i < std::max<size_t>(1, s.loop_threads); ++i) {
    ++impl_->running_threads;
    impl_->threads.emplace_back([this] {
      impl_->ioc.run();
      --impl_->running_threads;
    });
  }
  return bound;
}

void http_front::stop() {
  auto& core = impl_->core;
  if (impl_->threads.empty() || core.stopping.exchange(true))
    return;
  net::post(impl_->ioc, [this] {
    error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->retry.cancel();
  });
  std::vector<std::shared_ptr<front_connection>> open;
  {
    std::lock_guard<std::mutex> lock{core.mutex};
    for (auto& [raw, weak] : core.live)
      if (auto c = weak.lock())
        open.push_back(std::move(c));
  }
  for (auto& c : open)
    c->stop();
  open.clear();
  {
    std::unique_lock<std::mutex> lock{core.mutex};
    core.ended.wait_for(lock, stop_grace, [&] { return core.live.empty(); });
  }
  // Streams end when the subscription hub closes (before this) and their worker returns;
  // only then may the loop stop, since a streaming worker waits for the loop's writes.
  core.workers.shutdown();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    t.join();
  impl_->threads.clear();
}

bool http_front::running() const {
  return impl_->running_threads > 0 && !impl_->core.stopping;
}

} // namespace agg
