#include "support/http_reply.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <system_error>
#include <cctype>
#include <stdexcept>

namespace agg::test {

std::string reply::header(const std::string& name) const {
  auto it = headers.find(name); // httplib::Headers compares keys case-insensitively
  return it == headers.end() ? std::string{} : it->second;
}

bool reply::has_header(const std::string& name) const {
  return headers.find(name) != headers.end();
}

std::optional<nlohmann::json> reply::try_json() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded())
    return std::nullopt;
  return j;
}

nlohmann::json reply::json() const {
  auto j = try_json();
  if (!j)
    throw std::runtime_error("reply is not JSON: " + describe());
  return *j;
}

std::string reply::describe() const {
  if (!answered())
    return "no response: " + httplib::to_string(error);
  std::string shown = body.size() > 2000 ? body.substr(0, 2000) + "..." : body;
  return "status " + std::to_string(status) + ": " + shown;
}

reply to_reply(const httplib::Result& result) {
  reply r;
  r.error = result.error();
  if (result) {
    r.error = httplib::Error::Success;
    r.status = result->status;
    r.body = result->body;
    r.headers = result->headers;
  }
  return r;
}

std::string url_encode(const std::string& text) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

std::string url_decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()
        && std::isxdigit(static_cast<unsigned char>(text[i + 1]))
        && std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string raw_header(uint16_t port, const std::string& path, const std::string& name) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    throw std::system_error(errno, std::generic_category(), "connect");
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    head.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  head = head.substr(0, head.find("\r\n\r\n"));
  std::istringstream lines{head};
  std::string lower_name = name;
  std::transform(lower_name.begin(), lower_name.end(), lower_name.begin(), ::tolower);
  for (std::string line; std::getline(lines, line);) {
    auto colon = line.find(':');
    if (colon == std::string::npos)
      continue;
    auto key = line.substr(0, colon);
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    if (key != lower_name)
      continue;
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (!value.empty() && value.back() == '\r')
      value.pop_back();
    return value;
  }
  return {};
}

} // namespace agg::test
