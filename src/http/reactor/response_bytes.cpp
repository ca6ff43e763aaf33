#include "http/reactor/response_bytes.hpp"

#include <httplib.h>

#include "http/server/server_tuning.hpp"

namespace agg {

const char* reason_phrase(int status) {
  // httplib's detail::status_message is not exported by its .so; these are its texts.
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

std::string response_bytes(httplib::Response& res, bool close) {
  if (close)
    res.set_header("Connection", "close");
  else
    res.set_header("Keep-Alive", "timeout=" + std::to_string(keep_alive_seconds)
                                   + ", max=" + std::to_string(keep_alive_requests));
  res.set_header("Content-Length", std::to_string(res.body.size()));
  std::string out
    = "HTTP/1.1 " + std::to_string(res.status) + " " + reason_phrase(res.status) + "\r\n";
  // httplib::Headers is ordered case-insensitively by name: the order httplib writes them in.
  for (auto& [name, value] : res.headers)
    out.append(name).append(": ").append(value).append("\r\n");
  out += "\r\n";
  out += res.body;
  return out;
}

} // namespace agg
