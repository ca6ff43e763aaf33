#include "support/power_cut/undo_journal.hpp"

#include <cstring>

namespace agg::test::power_cut {

namespace {

constexpr char header_magic[8] = {'A', 'G', 'G', 'U', 'N', 'D', 'O', '1'};
constexpr char record_magic[8] = {'P', 'R', 'E', 'I', 'M', 'A', 'G', 'E'};

void put_u64(std::string& out, uint64_t value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

bool get_u64(const std::string& in, size_t& pos, uint64_t& value) {
  if (in.size() - pos < sizeof(value))
    return false;
  std::memcpy(&value, in.data() + pos, sizeof(value));
  pos += sizeof(value);
  return true;
}

bool get_magic(const std::string& in, size_t& pos, const char (&magic)[8]) {
  if (in.size() - pos < sizeof(magic) || std::memcmp(in.data() + pos, magic, sizeof(magic)) != 0)
    return false;
  pos += sizeof(magic);
  return true;
}

} // namespace

std::string encode_header(uint64_t synced_size, const std::string& path) {
  std::string out(header_magic, sizeof(header_magic));
  put_u64(out, synced_size);
  put_u64(out, path.size());
  out += path;
  return out;
}

std::string encode_record(uint64_t offset, const char* bytes, uint64_t length) {
  std::string out(record_magic, sizeof(record_magic));
  put_u64(out, offset);
  put_u64(out, length);
  out.append(bytes, length);
  return out;
}

bool decode(const std::string& data, undo_journal& out) {
  size_t pos = 0;
  uint64_t path_bytes = 0;
  if (!get_magic(data, pos, header_magic) || !get_u64(data, pos, out.synced_size)
      || !get_u64(data, pos, path_bytes) || data.size() - pos < path_bytes)
    return false;
  out.path = data.substr(pos, path_bytes);
  pos += path_bytes;
  out.preimages.clear();
  for (;;) {
    preimage p;
    uint64_t length = 0;
    if (!get_magic(data, pos, record_magic) || !get_u64(data, pos, p.offset)
        || !get_u64(data, pos, length) || data.size() - pos < length)
      return true; // the end, or the incomplete record of a write that never happened
    p.bytes = data.substr(pos, length);
    pos += length;
    out.preimages.push_back(std::move(p));
  }
}

} // namespace agg::test::power_cut
