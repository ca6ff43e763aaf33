#include "http/routes/content_coding.hpp"

#include <algorithm>
#include <cctype>

#include <zlib.h>

namespace agg {

namespace {

std::string lower_trimmed(const std::string& text) {
  auto begin = text.find_first_not_of(" \t");
  auto end = text.find_last_not_of(" \t");
  std::string out = begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<request_error> gunzip(std::string& body, size_t max_bytes) {
  z_stream z{};
  // 16 + MAX_WBITS: a gzip wrapper (RFC 1952), not a raw or zlib stream.
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
    return request_error{503, "overloaded", "cannot start a gzip decoder; retry later"};
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(body.data());
  z.avail_in = static_cast<uInt>(body.size());
  int rc = Z_OK;
  char chunk[16384];
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof(chunk);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - z.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&z);
      return request_error{413, "body_too_large", "the decoded body is larger than "
                                                    + std::to_string(max_bytes)
                                                    + " bytes (--max-body-bytes)"};
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0)
      break; // input ended before the stream did
  }
  bool whole = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  if (!whole)
    return request_error{400, "invalid_body", "the body is not one complete gzip stream"};
  body.swap(out);
  return std::nullopt;
}

} // namespace

std::optional<request_error> decode_content(const std::string& coding, std::string& body,
                                            size_t max_bytes) {
  auto c = lower_trimmed(coding);
  if (c.empty() || c == "identity")
    return std::nullopt;
  if (c == "gzip" || c == "x-gzip")
    return gunzip(body, max_bytes);
  return request_error{415, "unsupported_encoding",
                       "Content-Encoding " + coding
                         + " is not supported; send the body as it is, or with gzip"};
}

} // namespace agg
