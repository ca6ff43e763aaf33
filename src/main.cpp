#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include <sys/resource.h>

#include "core/cli.hpp"
#include "core/errors.hpp"
#include "core/log.hpp"
#include "core/version.hpp"
#include "http/health_check.hpp"
#include "service.hpp"

namespace {

// Descriptors beyond connections: SQLite's database, WAL and shm files, the listening socket,
// the log, the epoll/eventfd CAF keeps, and headroom.
constexpr rlim_t reserved_descriptors = 256;

// Each open connection holds one descriptor, its socket (see http/server/connection.cpp). Raises the soft RLIMIT_NOFILE to the hard limit (many systems
// start at a soft 1024, which --max-connections 4096 would hit); if even the hard limit is too
// low, lowers the connection cap to fit and says so, rather than failing accept() later.
void fit_open_file_limit(agg::config& cfg) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised{lim.rlim_max, lim.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
      lim = raised;
  }
  agg::log_info("open file limit " + std::to_string(lim.rlim_cur));
  rlim_t needed = static_cast<rlim_t>(cfg.max_connections) + reserved_descriptors;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < needed) {
    rlim_t fits = lim.rlim_cur > reserved_descriptors + 1 ? lim.rlim_cur - reserved_descriptors : 1;
    agg::log_warning("the open file limit " + std::to_string(lim.rlim_cur) + " is below the "
                     + std::to_string(needed) + " that --max-connections "
                     + std::to_string(cfg.max_connections) + " needs; serving at most "
                     + std::to_string(fits) + " connections (raise `ulimit -Hn` to serve more)");
    cfg.max_connections = static_cast<size_t>(fits);
  }
}

} // namespace

int main(int argc, char** argv) {
  auto cli = agg::parse_command_line(argc, argv);
  switch (cli.what) {
    case agg::cli_result::action::help:
      std::cout << agg::help_text();
      return 0;
    case agg::cli_result::action::version:
      std::cout << "event-aggregator " << agg::version << "\n";
      return 0;
    case agg::cli_result::action::error:
      std::cerr << "event-aggregator: " << cli.message << "\n";
      return 2;
    case agg::cli_result::action::healthcheck:
      return agg::run_health_check(cli.cfg, std::cout);
    case agg::cli_result::action::run:
      break;
  }
  agg::set_log_options(cli.cfg.log_level_min, cli.cfg.log_style);
  // Block the stop signals before any thread starts, so every thread inherits the
  // mask and only sigtimedwait below ever sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN); // A client that hangs up must not kill the server.
  // Past a file-size limit, a write should fail (and the commit answer 503), not kill us.
  std::signal(SIGXFSZ, SIG_IGN);

  if (cli.cfg.log_style == agg::log_format::json) {
    agg::log_info(std::string{"starting event-aggregator "} + agg::version,
                  agg::describe_fields(cli.cfg));
  } else {
    // One line of "name = value" pairs, as people (and scripts) have read it so far.
    std::string settings = agg::describe(cli.cfg);
    for (auto& c : settings)
      if (c == '\n')
        c = ' ';
    agg::log_info("starting with " + settings);
  }
  for (auto& warning : cli.warnings)
    agg::log_warning(warning);
  fit_open_file_limit(cli.cfg);
  auto svc = agg::service::start(cli.cfg);
  if (!svc) {
    agg::log_error("cannot start: " + agg::error_text(svc.error()));
    return 1;
  }
  timespec tick{0, 200'000'000}; // Also notice a listener that died by itself.
  int sig = -1;
  while (sig < 0 && (*svc)->serving())
    sig = sigtimedwait(&stop_signals, nullptr, &tick);
  if (sig > 0)
    agg::log_info(std::string{"received "} + strsignal(sig) + ", stopping", {{"signal", sig}});
  else
    agg::log_error("the HTTP listener stopped by itself, shutting down");
  (*svc)->stop();
  return sig > 0 ? 0 : 1;
}
