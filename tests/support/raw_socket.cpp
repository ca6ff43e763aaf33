#include "support/raw_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

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

raw_socket::raw_socket(uint16_t port) {
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
    ::close(fd_);
    throw std::system_error(err, std::generic_category(), "connect");
  }
}

raw_socket::~raw_socket() {
  if (fd_ >= 0)
    ::close(fd_);
}

raw_socket::raw_socket(raw_socket&& other) noexcept
  : fd_(other.fd_), buffered_(std::move(other.buffered_)) {
  other.fd_ = -1;
}

raw_socket& raw_socket::operator=(raw_socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.fd_;
    buffered_ = std::move(other.buffered_);
    other.fd_ = -1;
  }
  return *this;
}

bool raw_socket::send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    sent += static_cast<size_t>(n);
  }
  return true;
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
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, left_ms(deadline)) <= 0)
      return {};
    char chunk[4096];
    auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0)
      return {};
    buffered_.append(chunk, static_cast<size_t>(n));
  }
}

bool raw_socket::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, left_ms(deadline));
    if (ready <= 0)
      return false;
    char chunk[4096];
    auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0)
      return true;
  }
}

void raw_socket::shutdown_send() {
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
