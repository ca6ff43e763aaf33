#include "http/routes/body_budget.hpp"

#include <catch2/catch.hpp>

TEST_CASE("a body budget lends bytes up to its limit and takes them back with the lease",
          "[body_budget]") {
  agg::body_budget budget{100};
  {
    agg::body_budget::lease a{budget};
    CHECK(a.grow(60));
    CHECK(budget.in_use() == 60);
    agg::body_budget::lease b{budget};
    CHECK_FALSE(b.grow(41)); // 101 > 100: refused whole, nothing taken
    CHECK(budget.in_use() == 60);
    CHECK(b.grow(40));
    CHECK(budget.in_use() == 100);
    CHECK_FALSE(b.grow(1));
    a.release();
    CHECK(budget.in_use() == 40);
    CHECK(a.grow(60)); // a released lease can take again
  }
  CHECK(budget.in_use() == 0); // both leases gave back everything at their end
}

TEST_CASE("a body budget refuses a request larger than the whole budget without overflow",
          "[body_budget]") {
  agg::body_budget budget{100};
  agg::body_budget::lease a{budget};
  CHECK_FALSE(a.grow(SIZE_MAX));
  CHECK(a.grow(100));
  CHECK_FALSE(a.grow(SIZE_MAX - 50));
  CHECK(budget.in_use() == 100);
}
