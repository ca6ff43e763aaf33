#include "http/server/framing.hpp"

#include "http/server/hex_digit.hpp"

#include <cctype>

#include <boost/beast/http/field.hpp>

namespace agg {

namespace http = boost::beast::http;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i]))
        != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// The authority of an absolute-form target ("http://a:1/p" -> "a:1") and its path ("/p"),
// or false when `target` is not one for our scheme.
bool split_absolute(std::string_view target, bool tls, std::string_view& authority,
                    std::string_view& rest) {
  std::string_view scheme = tls ? "https://" : "http://";
  if (target.size() < scheme.size() || !iequals(target.substr(0, scheme.size()), scheme))
    return false;
  target.remove_prefix(scheme.size());
  auto end = target.find_first_of("/?");
  authority = target.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : target.substr(end);
  return !authority.empty() && authority.find('@') == std::string_view::npos;
}

} // namespace

head_scan scan_head(std::string_view buf, const head_limits& limits) {
  head_scan scan;
  size_t line_start = 0;
  size_t lines = 0;
  for (size_t i = 0; i < buf.size(); ++i) {
    if (i >= limits.head_bytes) {
      scan.result = head_scan::verdict::invalid;
      scan.why = "the request head is longer than " + std::to_string(limits.head_bytes) + " bytes";
      return scan;
    }
    char c = buf[i];
    if (c == '\n') {
      scan.result = head_scan::verdict::invalid;
      scan.why = "a line of the request head ends in a bare LF, not CRLF";
      return scan;
    }
    if (c != '\r') {
      if (i - line_start >= limits.line_bytes) {
        scan.result = head_scan::verdict::invalid;
        scan.why = lines == 0 ? "the request line is longer than " : "a header field line is longer than ";
        scan.why += std::to_string(limits.line_bytes) + " bytes";
        return scan;
      }
      continue;
    }
    if (i + 1 == buf.size())
      break; // the LF has not arrived yet
    if (buf[i + 1] != '\n') {
      scan.result = head_scan::verdict::invalid;
      scan.why = "a CR in the request head is not followed by LF";
      return scan;
    }
    bool empty = i == line_start;
    ++i;
    line_start = i + 1;
    if (empty && lines > 0) {
      scan.result = head_scan::verdict::complete;
      scan.head_bytes = line_start;
      return scan;
    }
    if (!empty && ++lines > limits.fields + 1) {
      scan.result = head_scan::verdict::invalid;
      scan.why = "the request has more than " + std::to_string(limits.fields) + " header fields";
      return scan;
    }
    // A line that starts with whitespace continues the one before (obs-fold): RFC 9112 §5.2
    // lets a server reject it, and a proxy that unfolds it reads another field than we would.
    if (line_start < buf.size() && lines > 0 && (buf[line_start] == ' ' || buf[line_start] == '\t')) {
      scan.result = head_scan::verdict::invalid;
      scan.why = "a header field is folded over two lines (obs-fold)";
      return scan;
    }
  }
  return scan;
}

std::string check_framing(const http::request_header<>& head, bool chunked, bool tls) {
  auto te = head.count(http::field::transfer_encoding);
  if (te > 0 && head.version() < 11)
    return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
  if (te > 0 && !chunked)
    return "the final coding of Transfer-Encoding is not chunked";
  auto hosts = head.count(http::field::host);
  if (head.version() >= 11 && hosts == 0)
    return "an HTTP/1.1 request needs a Host header";
  if (hosts > 1)
    return "the request has more than one Host header";
  std::string_view target{head.target().data(), head.target().size()};
  if (!target.empty() && target.front() == '/')
    return {};
  std::string_view authority, rest;
  if (!split_absolute(target, tls, authority, rest))
    return "the request target must be a path, or an absolute URI for this server";
  std::string_view host = hosts ? std::string_view{head[http::field::host].data(),
                                                   head[http::field::host].size()}
                                : std::string_view{};
  if (hosts && !iequals(host, authority))
    return "the request target names another authority than the Host header";
  return {};
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hex_digit(text[i + 1]);
      int lo = hex_digit(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += plus_is_space && c == '+' ? ' ' : c;
  }
  return out;
}

void fill_request(const http::request_header<>& head, httplib::Request& req) {
  req.method.assign(head.method_string().data(), head.method_string().size());
  req.target.assign(head.target().data(), head.target().size());
  req.version = head.version() >= 11 ? "HTTP/1.1" : "HTTP/1.0";
  for (auto& f : head)
    req.headers.emplace(std::string{f.name_string().data(), f.name_string().size()},
                        std::string{f.value().data(), f.value().size()});
  std::string_view target = req.target;
  if (target.empty() || target.front() != '/') {
    // A sound absolute-form target (check_framing): its authority replaces Host (§3.2.2).
    auto scheme_end = target.find("//") + 2;
    auto path_at = target.find_first_of("/?", scheme_end);
    auto authority = target.substr(scheme_end, path_at - scheme_end);
    req.headers.erase("Host");
    req.headers.emplace("Host", std::string{authority});
    target = path_at == std::string_view::npos ? std::string_view{"/"} : target.substr(path_at);
  }
  auto query_at = target.find('?');
  req.path = percent_decode(target.substr(0, query_at), false);
  if (req.path.empty())
    req.path = "/";
  if (query_at == std::string_view::npos)
    return;
  auto query = target.substr(query_at + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    req.params.emplace(percent_decode(pair.substr(0, eq), true),
                       eq == std::string_view::npos ? std::string{}
                                                    : percent_decode(pair.substr(eq + 1), true));
  }
}

} // namespace agg
