#include "http/server/answer_bytes.hpp"

#include <cctype>
#include <string_view>

#include <boost/beast/http/status.hpp>

namespace agg {

namespace {

bool owned_by_front(const std::string& name) {
  for (std::string_view own : {"content-length", "transfer-encoding", "connection", "keep-alive"}) {
    bool same = own.size() == name.size();
    for (size_t i = 0; same && i < own.size(); ++i)
      same = std::tolower(static_cast<unsigned char>(name[i])) == own[i];
    if (same)
      return true;
  }
  return false;
}

} // namespace

std::string answer_head(const httplib::Response& res, body_framing framing, bool close,
                        long idle_seconds) {
  auto reason = boost::beast::http::obsolete_reason(
    static_cast<boost::beast::http::status>(res.status));
  std::string out;
  out.reserve(256);
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (auto& [name, value] : res.headers) {
    if (owned_by_front(name))
      continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (framing == body_framing::length) {
    out += "Content-Length: ";
    out += std::to_string(res.body.size());
    out += "\r\n";
  } else if (framing == body_framing::chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  }
  if (close) {
    out += "Connection: close\r\n";
  } else {
    out += "Connection: keep-alive\r\nKeep-Alive: timeout=";
    out += std::to_string(idle_seconds);
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

} // namespace agg
