#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <csignal>

namespace {
// Tests write to sockets the server may close early (a 413 in mid-body): that write must
// fail with EPIPE, not kill the whole test run with SIGPIPE.
const bool sigpipe_ignored = (std::signal(SIGPIPE, SIG_IGN), true);
} // namespace
