#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "storage/store_readers.hpp"

namespace agg {

/// Stored events per topic, most first (ties by name), read on a read-only connection of
/// its own from the counts the writer keeps per topic: its cost grows with the number of
/// topics, not of events.
caf::expected<std::vector<topic_count>> read_topic_counts(const std::string& database_path);

} // namespace agg
