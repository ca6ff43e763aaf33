#pragma once

#include <functional>
#include <map>
#include <string>

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace agg {

/// The routes by path and method, and the answers for the requests none of them takes:
/// 404 not_found for an unknown path, 405 method_not_allowed (with Allow) for a known path.
/// A GET route answers HEAD too. It runs handlers; it does not know how requests arrive.
class router {
public:
  using handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  /// Delivers an answer, from any thread, once.
  using reply_fn = std::function<void(httplib::Response&&)>;
  /// A handler that answers later through `reply` (it must not block).
  using async_handler = std::function<void(const httplib::Request&, reply_fn reply)>;

  /// Adds the handler of `method` on `path`; throws std::logic_error unless route_table()
  /// lists that pair, so every route is in the OpenAPI document and its tests.
  void add(const char* method, const char* path, handler h);
  /// The same for a handler that answers asynchronously.
  void add_async(const char* method, const char* path, async_handler h);

  /// Answers `req` through `reply`: its handler, 404 or 405; an exception becomes 500
  /// internal_error (and a log line).
  void dispatch(const httplib::Request& req, reply_fn reply) const;

private:
  std::map<std::string, std::map<std::string, async_handler>> routes_; ///< path -> method -> handler
};

} // namespace agg
