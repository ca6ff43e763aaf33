// The power-cut harness's bookkeeping, in process: the byte sets, the journal format and an
// fsync that other writes overlap (the preload library's own tests are
// integration/power_cut_harness.test.cpp).

#include "support/power_cut.hpp"
#include "support/power_cut/byte_ranges.hpp"
#include "support/power_cut/tracked_file.hpp"
#include "support/power_cut/undo_journal.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

using agg::test::power_cut_harness;
using agg::test::temp_dir;
namespace pc = agg::test::power_cut;

TEST_CASE("byte ranges hand out each byte once, merging what they cover", "[unit][power_cut]") {
  pc::byte_ranges set;
  using ranges = std::vector<pc::byte_ranges::range>;
  CHECK(set.take_missing(10, 20) == ranges{{10, 20}});
  CHECK(set.take_missing(10, 20).empty());
  CHECK(set.take_missing(5, 25) == ranges{{5, 10}, {20, 25}});
  CHECK(set.take_missing(30, 40) == ranges{{30, 40}});
  CHECK(set.take_missing(0, 50) == ranges{{0, 5}, {25, 30}, {40, 50}});
  CHECK(set.take_missing(0, 50).empty());
  CHECK(set.take_missing(7, 7).empty());
}

TEST_CASE("an undo journal drops an incomplete last record, the write it announced never "
          "happened",
          "[unit][power_cut]") {
  std::string data = pc::encode_header(42, "/data/events.db-wal") + pc::encode_record(0, "abc", 3)
                     + pc::encode_record(100, "defgh", 5);
  pc::undo_journal journal;
  SECTION("complete") {
    REQUIRE(pc::decode(data, journal));
    CHECK(journal.path == "/data/events.db-wal");
    CHECK(journal.synced_size == 42);
    REQUIRE(journal.preimages.size() == 2);
    CHECK(journal.preimages[1].offset == 100);
    CHECK(journal.preimages[1].bytes == "defgh");
  }
  SECTION("cut anywhere inside the last record") {
    for (size_t cut = 1; cut < 8 + 16 + 5; ++cut) {
      REQUIRE(pc::decode(data.substr(0, data.size() - cut), journal));
      CHECK(journal.preimages.size() == 1);
    }
  }
  SECTION("a header cut short is no journal") {
    CHECK_FALSE(pc::decode(data.substr(0, 12), journal));
  }
}

namespace {

pc::tracked_file* overlapping_file = nullptr;
int overlapping_fd = -1;

// An fsync during which another thread writes: here the write simply runs inside it.
int fsync_with_a_write_inside(int fd) {
  overlapping_file->change(0, 5, [] { return ::pwrite(overlapping_fd, "late!", 5, 0); });
  return ::fsync(fd);
}

} // namespace

TEST_CASE("a write made while an fsync runs stays unsynced, and what came before is synced",
          "[unit][power_cut]") {
  temp_dir dir{"agg-cut-"};
  auto path = (dir / "f").string();
  power_cut_harness harness{dir.path()};
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  {
    pc::tracked_file file{path, ::open(path.c_str(), O_RDONLY | O_CLOEXEC),
                          (harness.journal_dir() / "f.undo").string()};
    file.change(0, 5, [&] { return ::pwrite(fd, "hello", 5, 0); });
    overlapping_file = &file;
    overlapping_fd = fd;
    REQUIRE(file.sync(&fsync_with_a_write_inside, fd) == 0);
    file.change(5, 11, [&] { return ::pwrite(fd, " world", 6, 5); });
  }
  ::close(fd);
  harness.roll_back();
  std::ifstream in(path, std::ios::binary);
  CHECK(std::string{std::istreambuf_iterator<char>(in), {}} == "hello");
}
