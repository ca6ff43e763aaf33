#include "support/raw_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <cerrno>
#include <strings.h>
#include <system_error>

namespace agg::test {

namespace {

// Milliseconds left until `deadline`, at least 0.
int left_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

} // namespace

raw_socket::raw_socket(uint16_t port, bool tls) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "socket");
  int yes = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    release();
    throw std::system_error(err, std::generic_category(), "connect");
  }
  if (!tls)
    return;
  ctx_ = SSL_CTX_new(TLS_client_method());
  ssl_ = ctx_ ? SSL_new(ctx_) : nullptr;
  if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1 || SSL_connect(ssl_) != 1) {
    release();
    throw std::system_error(ECONNABORTED, std::generic_category(), "TLS handshake");
  }
  // From here on reads poll with a deadline: a blocking SSL_read could wait forever after it
  // consumed a record with no data in it (a TLS 1.3 session ticket).
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

raw_socket::~raw_socket() {
  release();
}

void raw_socket::release() {
  if (ssl_)
    SSL_free(ssl_);
  if (ctx_)
    SSL_CTX_free(ctx_);
  if (fd_ >= 0)
    ::close(fd_);
  ssl_ = nullptr;
  ctx_ = nullptr;
  fd_ = -1;
}

raw_socket::raw_socket(raw_socket&& other) noexcept
  : fd_(other.fd_), ctx_(other.ctx_), ssl_(other.ssl_), buffered_(std::move(other.buffered_)) {
  other.fd_ = -1;
  other.ctx_ = nullptr;
  other.ssl_ = nullptr;
}

raw_socket& raw_socket::operator=(raw_socket&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    ctx_ = other.ctx_;
    ssl_ = other.ssl_;
    buffered_ = std::move(other.buffered_);
    other.fd_ = -1;
    other.ctx_ = nullptr;
    other.ssl_ = nullptr;
  }
  return *this;
}

bool raw_socket::wait_for(short events, std::chrono::steady_clock::time_point deadline) {
  pollfd p{fd_, events, 0};
  return ::poll(&p, 1, left_ms(deadline)) > 0;
}

bool raw_socket::send(const std::string& bytes) {
  size_t sent = 0;
  // A write that cannot go on for this long means a peer that stopped reading.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (sent < bytes.size()) {
    if (ssl_) {
      auto n = SSL_write(ssl_, bytes.data() + sent, static_cast<int>(bytes.size() - sent));
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      auto err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_WRITE && wait_for(POLLOUT, deadline))
        continue;
      if (err == SSL_ERROR_WANT_READ && wait_for(POLLIN, deadline))
        continue;
      return false;
    }
    auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool raw_socket::read_some(std::chrono::steady_clock::time_point deadline) {
  char chunk[4096];
  for (;;) {
    if (!ssl_) {
      if (!wait_for(POLLIN, deadline))
        return false;
      auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0)
        return false;
      buffered_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    auto n = SSL_read(ssl_, chunk, sizeof(chunk));
    if (n > 0) {
      buffered_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    auto err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ && wait_for(POLLIN, deadline))
      continue;
    if (err == SSL_ERROR_WANT_WRITE && wait_for(POLLOUT, deadline))
      continue;
    return false; // close_notify, end of file, reset, or time
  }
}

std::string raw_socket::read_response(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto head_end = buffered_.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      auto head = buffered_.substr(0, head_end + 4);
      auto length = response_header(head, "Content-Length");
      size_t total = head.size() + (length.empty() ? 0 : std::stoul(length));
      if (buffered_.size() >= total) {
        auto response = buffered_.substr(0, total);
        buffered_.erase(0, total);
        return response;
      }
    }
    if (!read_some(deadline))
      return {};
  }
}

bool raw_socket::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!read_some(deadline))
      return std::chrono::steady_clock::now() < deadline;
    buffered_.clear();
  }
}

void raw_socket::shutdown_send() {
  if (ssl_)
    SSL_shutdown(ssl_); // close_notify first: TLS's own end of the sending side
  ::shutdown(fd_, SHUT_WR);
}

bool raw_socket::open() {
  char byte;
  auto n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

int response_status(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12)
    return 0;
  return std::atoi(response.c_str() + 9);
}

std::string response_header(const std::string& response, const std::string& name) {
  size_t pos = response.find("\r\n");
  auto head_end = response.find("\r\n\r\n");
  while (pos != std::string::npos && pos < head_end) {
    auto line_start = pos + 2;
    auto line_end = response.find("\r\n", line_start);
    auto colon = response.find(':', line_start);
    if (colon != std::string::npos && colon < line_end && colon - line_start == name.size()
        && ::strncasecmp(response.c_str() + line_start, name.c_str(), name.size()) == 0) {
      auto value = response.substr(colon + 1, line_end - colon - 1);
      auto first = value.find_first_not_of(' ');
      return first == std::string::npos ? "" : value.substr(first);
    }
    pos = line_end;
  }
  return {};
}

std::string response_body(const std::string& response) {
  auto head_end = response.find("\r\n\r\n");
  return head_end == std::string::npos ? "" : response.substr(head_end + 4);
}

uint64_t raise_open_file_limit() {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  // Root (CI) may also raise the hard limit; 8192 covers every test here.
  constexpr rlim_t wanted = 8192;
  if (lim.rlim_max < wanted) {
    rlimit raised{wanted, wanted};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
      return wanted;
  }
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

} // namespace agg::test
