#include "core/tokens.hpp"

#include <fstream>
#include <sstream>

namespace agg {

namespace {

// Reads a whole token file; surrounding whitespace (the newline `echo` adds) is dropped.
std::string read_token_file(const std::string& option, const std::string& path,
                            std::string& token) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return "option --" + option + ": cannot read " + path;
  std::ostringstream text;
  text << in.rdbuf();
  token = text.str();
  auto first = token.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return "option --" + option + ": " + path + " holds no token";
  token = token.substr(first, token.find_last_not_of(" \t\r\n") - first + 1);
  if (auto why = check_token(token); !why.empty())
    return "option --" + option + ": the token in " + path + " " + why;
  return {};
}

std::string load_one(const std::string& option, const std::string& path, const char* variable,
                     const env_lookup& env, std::string& token) {
  if (!path.empty())
    return read_token_file(option, path, token);
  const char* value = env(variable);
  token = value ? value : "";
  if (auto why = token.empty() ? std::string{} : check_token(token); !why.empty())
    return std::string{"environment variable "} + variable + " " + why;
  return {};
}

} // namespace

std::string check_token(std::string_view token) {
  if (token.empty())
    return "is empty";
  // Visible ASCII only: a space or control byte could not travel in the header intact.
  for (unsigned char c : token)
    if (c < 0x21 || c > 0x7e)
      return "may only hold visible ASCII characters (no spaces or control bytes)";
  return {};
}

std::string load_tokens(config& cfg, const env_lookup& env) {
  if (auto err = load_one("publish-token-file", cfg.publish_token_file, publish_token_env, env,
                          cfg.publish_token);
      !err.empty())
    return err;
  return load_one("read-token-file", cfg.read_token_file, read_token_env, env, cfg.read_token);
}

} // namespace agg
