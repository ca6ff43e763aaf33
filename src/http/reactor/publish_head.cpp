#include "http/reactor/publish_head.hpp"

#include <algorithm>
#include <cctype>

namespace agg {

namespace {

constexpr std::string_view request_start = "POST /publish";
constexpr std::string_view version_suffix = " HTTP/1.1";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x))
                  == std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 9110 token characters, the only ones a header name may hold.
bool is_token(std::string_view name) {
  if (name.empty())
    return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c)
          || std::string_view{"!#$%&'*+-.^_`|~"}.find(static_cast<char>(c))
               != std::string_view::npos))
      return false;
  return true;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
    v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
    v.remove_suffix(1);
  return v;
}

// The request line "POST <target> HTTP/1.1" with a target of /publish or /publish?query.
bool read_request_line(std::string_view line, publish_head& out) {
  if (line.size() < request_start.size() + version_suffix.size()
      || line.substr(line.size() - version_suffix.size()) != version_suffix)
    return false;
  auto target = line.substr(5, line.size() - 5 - version_suffix.size());
  if (target != "/publish" && target.substr(0, 9) != "/publish?")
    return false;
  for (unsigned char c : target)
    if (c <= 0x20 || c >= 0x7f)
      return false;
  out.target = std::string{target};
  return true;
}

// One header line; false when the request is not one the reactor serves.
bool read_header(std::string_view line, publish_head& out, bool& has_length) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
    return false; // also catches a folded line, which starts with a space or tab
  auto name = line.substr(0, colon);
  auto value = trim(line.substr(colon + 1));
  for (unsigned char c : value)
    if (c < 0x20 && c != '\t')
      return false;
  if (iequals(name, "Content-Length")) {
    // Digits only, and small enough that no overflow is possible (httplib caps it anyway).
    if (has_length || value.empty() || value.size() > 15
        || !std::all_of(value.begin(), value.end(),
                        [](unsigned char c) { return std::isdigit(c); }))
      return false;
    has_length = true;
    out.content_length = std::stoull(std::string{value});
  } else if (iequals(name, "Transfer-Encoding") || iequals(name, "Expect")) {
    return false;
  } else if (iequals(name, "Authorization")) {
    if (out.authorization)
      return false;
    out.authorization = std::string{value};
  } else if (iequals(name, "Connection")) {
    // httplib closes only on the exact value "close"; anything else keeps the connection.
    out.close = out.close || value == "close";
  }
  return true;
}

} // namespace

head_verdict read_publish_head(std::string_view bytes, publish_head& out) {
  auto prefix = std::min(bytes.size(), request_start.size());
  if (bytes.substr(0, prefix) != request_start.substr(0, prefix))
    return head_verdict::other;
  auto end = bytes.find("\r\n\r\n");
  // A line of the head ended by a bare LF: httplib reads those, we do not.
  auto head_size = end == std::string_view::npos ? bytes.size() : end + 4;
  for (size_t i = bytes.find('\n'); i < head_size; i = bytes.find('\n', i + 1))
    if (i == 0 || bytes[i - 1] != '\r')
      return head_verdict::other;
  if (end == std::string_view::npos)
    return head_verdict::need_more;
  out = publish_head{};
  out.head_bytes = end + 4;
  auto head = bytes.substr(0, end + 2); // every line, each with its CRLF
  auto line_end = head.find("\r\n");
  if (!read_request_line(head.substr(0, line_end), out))
    return head_verdict::other;
  bool has_length = false;
  for (size_t at = line_end + 2; at < head.size();) {
    auto next = head.find("\r\n", at);
    if (!read_header(head.substr(at, next - at), out, has_length))
      return head_verdict::other;
    at = next + 2;
  }
  if (!has_length || out.content_length == 0)
    return head_verdict::other;
  return head_verdict::publish;
}

} // namespace agg
