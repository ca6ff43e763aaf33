#pragma once

#include <cstdint>
#include <string>
#include <vector>

// The undo journal of one file, as the power-cut preload library writes it and the test side
// replays it. Layout (host byte order; the writer and the reader run on the same machine):
//   header:   "AGGUNDO1", u64 synced_size, u64 path_bytes, path
//   records*: "PREIMAGE", u64 offset, u64 length, `length` bytes as they were at the last sync
// A journal file is created complete (written under a temporary name, then renamed), and each
// record is appended with one write, so a process frozen at any instant leaves at most one
// incomplete record at the end: the write it describes has not happened yet, and the record
// is ignored.

namespace agg::test::power_cut {

/// File names of journals in the journal directory end with this.
inline constexpr const char* journal_suffix = ".undo";

/// Bytes of one file as they were at its last sync.
struct preimage {
  uint64_t offset = 0;
  std::string bytes;
};

/// Everything needed to put one file back into its last synced state.
struct undo_journal {
  std::string path;         ///< The tracked file.
  uint64_t synced_size = 0; ///< Its size at the last sync.
  std::vector<preimage> preimages;
};

/// The journal's header bytes.
std::string encode_header(uint64_t synced_size, const std::string& path);
/// One record's bytes.
std::string encode_record(uint64_t offset, const char* bytes, uint64_t length);

/// Parses a journal file's bytes; false when even the header is incomplete or wrong. An
/// incomplete record at the end is dropped (see above).
bool decode(const std::string& data, undo_journal& out);

} // namespace agg::test::power_cut
