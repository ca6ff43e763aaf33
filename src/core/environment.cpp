#include "core/environment.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

extern char** environ; // POSIX: the process environment, "NAME=value" strings.

namespace agg {

std::string env_name(const std::string& option) {
  std::string name = env_prefix;
  for (char c : option)
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

environment process_environment() {
  environment env;
  auto prefix_size = std::strlen(env_prefix);
  for (char** var = environ; var && *var; ++var) {
    std::string entry = *var;
    auto eq = entry.find('=');
    if (eq != std::string::npos && entry.compare(0, prefix_size, env_prefix) == 0)
      env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

std::vector<std::string> unknown_env_names(const environment& env,
                                           const std::vector<std::string>& options,
                                           const std::vector<std::string>& also_known) {
  std::vector<std::string> unknown;
  for (auto& [name, value] : env) {
    if (name.rfind(env_prefix, 0) != 0)
      continue;
    bool known = std::find(also_known.begin(), also_known.end(), name) != also_known.end()
                 || std::any_of(options.begin(), options.end(),
                                [&](const std::string& o) { return env_name(o) == name; });
    if (!known)
      unknown.push_back(name);
  }
  return unknown; // std::map iterates in order, so this is sorted
}

} // namespace agg
