#include "core/errors.hpp"

#include <caf/sec.hpp>

#include <catch2/catch.hpp>

TEST_CASE("errors of category agg compare equal to their code and keep their text", "[errors]") {
  auto err = agg::make_error(agg::ec::storage_failure, "disk full");
  CHECK(err == agg::ec::storage_failure);
  CHECK(err != agg::ec::timeout);
  CHECK(agg::error_text(err) == "disk full");
  CHECK(agg::agg_code(err) == agg::ec::storage_failure);
  CHECK(agg::to_string(agg::ec::overloaded) == "overloaded");
}

TEST_CASE("an empty error or one of CAF's own has no agg code", "[errors]") {
  caf::error none;
  CHECK_FALSE(agg::agg_code(none));
  CHECK(none != agg::ec::storage_failure);
  caf::error gone = caf::sec::request_receiver_down;
  CHECK_FALSE(agg::agg_code(gone));
  CHECK(gone != agg::ec::timeout);
  CHECK_FALSE(agg::error_text(gone).empty());
}
