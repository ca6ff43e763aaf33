#pragma once

#include <string>
#include <string_view>

#include <cstdint>

#include "core/event.hpp"
#include "core/stats_snapshot.hpp"

namespace agg {

/// Appends `text` as a JSON string literal (quotes included) to `out`.
void append_json_string(std::string& out, std::string_view text);

/// Appends one stored event as a JSON object with its seq.
void append_event(std::string& out, const stored_event& e);

/// The 200 answer of a publish.
std::string encode_publish_answer(uint64_t received, uint64_t unique, uint64_t duplicates);

/// The `GET /stats` answer.
std::string encode_stats(const stats_snapshot& stats);

/// `{"error": code, "message": message}`.
std::string encode_error(std::string_view code, std::string_view message);

} // namespace agg
