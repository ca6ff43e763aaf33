#include "http/routes/auth.hpp"

#include <algorithm>
#include <cctype>

namespace agg {

bool constant_time_equal(std::string_view given, std::string_view expected) {
  // Every byte of `expected` is visited whatever `given` holds; differences are OR-ed
  // together instead of returning early. A length mismatch is folded in the same way.
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    auto g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(g ^ static_cast<unsigned char>(expected[i]));
  }
  return diff == 0;
}

std::optional<std::string_view> bearer_token(std::string_view header) {
  constexpr std::string_view scheme = "bearer";
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ')
    return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i])
      return std::nullopt;
  auto token = header.substr(scheme.size());
  token.remove_prefix(std::min(token.find_first_not_of(' '), token.size()));
  token.remove_suffix(token.size() - (token.find_last_not_of(' ') + 1));
  if (token.empty())
    return std::nullopt;
  return token;
}

auth_verdict check_access(const auth_tokens& tokens, access_need need,
                          std::optional<std::string_view> header) {
  const std::string& required = need == access_need::publish ? tokens.publish : tokens.read;
  if (required.empty())
    return auth_verdict::allowed;
  auto token = header ? bearer_token(*header) : std::nullopt;
  if (!token)
    return auth_verdict::unauthorized;
  // Both comparisons always run, so the time does not tell which token nearly matched.
  bool granted = constant_time_equal(*token, required);
  bool by_publish = need == access_need::read && !tokens.publish.empty()
                    && constant_time_equal(*token, tokens.publish);
  return granted || by_publish ? auth_verdict::allowed : auth_verdict::forbidden;
}

} // namespace agg
