#pragma once

#include <optional>
#include <string>

#include "codec/request_error.hpp"

namespace agg {

/// `body` decoded by its Content-Encoding header value `coding` ("" or identity: as it is;
/// gzip or x-gzip: inflated with zlib, at most `max_bytes`), or the error: 415
/// unsupported_encoding for another coding, 400 invalid_body for a corrupt gzip stream,
/// 413 body_too_large past `max_bytes`.
std::optional<request_error> decode_content(const std::string& coding, std::string& body,
                                            size_t max_bytes);

} // namespace agg
