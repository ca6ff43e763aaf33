#include "core/connection_string.hpp"

#include <cctype>

namespace agg {

namespace {

constexpr const char* mask = "***";

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::string redact_uri(std::string uri, size_t authority) {
  auto authority_end = uri.find_first_of("/?", authority);
  if (authority_end == std::string::npos)
    authority_end = uri.size();
  // The last '@' ends the userinfo (an '@' inside a password must be percent-encoded, but
  // taking the last one also masks a careless one); a ':' before it starts the password.
  auto at = uri.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority) {
    auto colon = uri.find(':', authority);
    if (colon < at)
      uri.replace(colon + 1, at - colon - 1, mask);
  }
  for (auto q = uri.find('?'); q != std::string::npos && q < uri.size();) {
    auto end = uri.find('&', q + 1);
    if (end == std::string::npos)
      end = uri.size();
    auto param = uri.substr(q + 1, end - q - 1);
    if (starts_with(param, "password=")) {
      auto value = q + 1 + 9;
      uri.replace(value, end - value, mask);
      end = value + 3;
    }
    q = end < uri.size() ? end : std::string::npos;
  }
  return uri;
}

// The key=value form: keywords, optional spaces around '=', values bare or in single quotes
// with backslash escapes (libpq's rules).
std::string redact_keywords(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      out += s[i++];
      continue;
    }
    auto key_start = i;
    while (i < s.size() && s[i] != '=' && !std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    auto key = s.substr(key_start, i - key_start);
    out += key;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
      out += s[i++];
    if (i >= s.size() || s[i] != '=')
      continue;
    out += s[i++];
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
      out += s[i++];
    auto value_start = i;
    if (i < s.size() && s[i] == '\'') {
      for (++i; i < s.size() && s[i] != '\''; ++i)
        if (s[i] == '\\')
          ++i;
      if (i < s.size())
        ++i; // the closing quote
    } else {
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
        ++i;
    }
    if (i > s.size())
      i = s.size();
    out += key == "password" ? std::string{mask} : s.substr(value_start, i - value_start);
  }
  return out;
}

} // namespace

std::string redact_password(const std::string& conninfo) {
  for (auto* scheme : {"postgresql://", "postgres://"})
    if (starts_with(conninfo, scheme))
      return redact_uri(conninfo, std::string{scheme}.size());
  return redact_keywords(conninfo);
}

} // namespace agg
