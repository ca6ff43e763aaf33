#include "core/config.hpp"

namespace agg {

std::string config::database_path() const {
  return data_dir + "/events.db";
}

} // namespace agg
