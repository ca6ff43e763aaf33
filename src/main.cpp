#include <csignal>
#include <iostream>

#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/log.hpp"
#include "service.hpp"

int main(int argc, char** argv) {
  auto cli = agg::parse_command_line(argc, argv);
  switch (cli.what) {
    case agg::cli_result::action::help:
      std::cout << agg::help_text();
      return 0;
    case agg::cli_result::action::version:
      std::cout << "event-aggregator 0.1.0\n";
      return 0;
    case agg::cli_result::action::error:
      std::cerr << "event-aggregator: " << cli.message << "\n";
      return 2;
    case agg::cli_result::action::run:
      break;
  }
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

  std::string settings = agg::describe(cli.cfg);
  for (auto& c : settings)
    if (c == '\n')
      c = ' ';
  agg::log_info("starting with " + settings);
  for (auto& warning : cli.warnings)
    agg::log_warning(warning);
  auto svc = agg::service::start(cli.cfg);
  if (!svc) {
    agg::log_error("cannot start: " + agg::error_text(svc.error()));
    return 1;
  }
  timespec tick{0, 200'000'000}; // Also notice a listener that died by itself.
  int sig = -1;
  while (sig < 0 && (*svc)->serving())
    sig = sigtimedwait(&stop_signals, nullptr, &tick);
  agg::log_info(sig > 0 ? std::string{"received "} + strsignal(sig) + ", stopping"
                        : std::string{"the HTTP listener stopped, shutting down"});
  (*svc)->stop();
  return sig > 0 ? 0 : 1;
}
