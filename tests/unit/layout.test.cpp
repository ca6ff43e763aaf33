// The source tree's layering, checked on the sources themselves: a folder includes only its
// own headers and those of lower layers, and the lower layers stay free of HTTP (and the
// codec of CAF), so the design the README draws cannot drift silently.

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace fs = std::filesystem;

namespace {

const fs::path src_root = fs::path{AGG_SOURCE_DIR} / "src";

// Lowest first. Folders of the same rank are siblings and must not include each other.
const std::map<std::string, int> layer_rank = {
  {"core", 0},           {"codec", 1},   {"storage", 2},     {"storage/key_index", 3},
  {"storage/sqlite", 4}, {"storage/postgres", 4}, {"actors", 5}, {"bridge", 6},
  {"http/server", 7},    {"http/routes", 7},      {"http", 9},   {"", 10},
};

// The folder of a path relative to src/, e.g. "http/routes" for "http/routes/reply.hpp".
std::string folder_of(const std::string& rel) {
  auto slash = rel.rfind('/');
  return slash == std::string::npos ? std::string{} : rel.substr(0, slash);
}

struct source_file {
  std::string rel;                    ///< Relative to src/.
  std::vector<std::string> project;   ///< `#include "..."` targets.
  std::vector<std::string> libraries; ///< `#include <...>` targets.
};

std::vector<source_file> scan_sources() {
  static const std::regex quoted{R"re(^\s*#\s*include\s*"([^"]+)")re"};
  static const std::regex angled{R"re(^\s*#\s*include\s*<([^>]+)>)re"};
  std::vector<source_file> files;
  for (auto& entry : fs::recursive_directory_iterator(src_root)) {
    auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".hpp" && ext != ".cpp" && ext != ".in"))
      continue;
    source_file f{fs::relative(entry.path(), src_root).generic_string(), {}, {}};
    std::ifstream in{entry.path()};
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
      if (std::regex_search(line, m, quoted))
        f.project.push_back(m[1]);
      else if (std::regex_search(line, m, angled))
        f.libraries.push_back(m[1]);
    }
    files.push_back(std::move(f));
  }
  return files;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

TEST_CASE("every source folder is a known layer", "[layout]") {
  for (auto& f : scan_sources()) {
    INFO(f.rel);
    CHECK(layer_rank.count(folder_of(f.rel)) == 1);
  }
}

TEST_CASE("no folder includes a higher layer or a sibling", "[layout]") {
  auto files = scan_sources();
  REQUIRE(files.size() > 50);
  for (auto& f : files) {
    auto from = folder_of(f.rel);
    if (!layer_rank.count(from))
      continue; // Reported by the test above.
    for (auto& inc : f.project) {
      auto to = folder_of(inc);
      if (to == from || !layer_rank.count(to))
        continue; // Own folder, or a generated / test header outside src/.
      INFO(f.rel << " includes " << inc);
      CHECK(layer_rank.at(to) < layer_rank.at(from));
    }
  }
}

TEST_CASE("storage, actors, bridge and codec never include httplib", "[layout]") {
  for (auto& f : scan_sources()) {
    auto folder = folder_of(f.rel);
    bool lower = folder == "core" || starts_with(folder, "codec") || starts_with(folder, "storage")
                 || folder == "actors" || folder == "bridge";
    if (!lower)
      continue;
    for (auto& lib : f.libraries) {
      INFO(f.rel << " includes <" << lib << ">");
      CHECK(lib != "httplib.h");
    }
  }
}

TEST_CASE("the codec and what it includes need no CAF", "[layout]") {
  auto files = scan_sources();
  std::map<std::string, const source_file*> by_path;
  for (auto& f : files)
    by_path[f.rel] = &f;
  // Everything the codec's files include, transitively, within src/.
  std::set<std::string> seen;
  std::vector<std::string> todo;
  for (auto& f : files)
    if (folder_of(f.rel) == "codec")
      todo.push_back(f.rel);
  REQUIRE(!todo.empty());
  while (!todo.empty()) {
    auto rel = todo.back();
    todo.pop_back();
    if (!seen.insert(rel).second || !by_path.count(rel))
      continue;
    for (auto& inc : by_path[rel]->project)
      todo.push_back(inc);
    for (auto& lib : by_path[rel]->libraries) {
      INFO(rel << " includes <" << lib << ">");
      CHECK(!starts_with(lib, "caf/"));
    }
  }
}

TEST_CASE("the transport includes no route, actor, bridge or JSON header, and routes touch no "
          "socket",
          "[layout]") {
  for (auto& f : scan_sources()) {
    auto folder = folder_of(f.rel);
    if (folder == "http/server") {
      for (auto& inc : f.project) {
        INFO(f.rel << " includes " << inc);
        CHECK((starts_with(inc, "http/server/") || starts_with(inc, "core/")));
      }
      for (auto& lib : f.libraries) {
        INFO(f.rel << " includes <" << lib << ">");
        CHECK_FALSE(starts_with(lib, "nlohmann/"));
        CHECK_FALSE(starts_with(lib, "simdjson"));
        CHECK_FALSE(starts_with(lib, "caf/"));
      }
    }
    if (folder == "http/routes") {
      for (auto& lib : f.libraries) {
        INFO(f.rel << " includes <" << lib << ">");
        CHECK_FALSE(starts_with(lib, "sys/socket"));
        CHECK_FALSE(starts_with(lib, "boost/asio"));
        CHECK_FALSE(starts_with(lib, "boost/beast"));
        CHECK_FALSE(starts_with(lib, "netinet/"));
      }
    }
  }
}
