#include "http/server/accepted_socket.hpp"

#include <sys/socket.h>

namespace agg {

namespace {
thread_local int last_accepted = -1;
} // namespace

int take_accepted_socket() {
  int fd = last_accepted;
  last_accepted = -1;
  return fd;
}

} // namespace agg

// cpp-httplib 0.11.4 gives a task queue only `std::function<void()>` per connection, and the
// function that serves a socket (Server::process_and_close_socket) is private, so nothing in
// its interface names the socket. The queue needs it to close a refused or too-slow connection.
// This definition in our binary takes precedence over libc's for the httplib .so (ELF symbol
// interposition, as LD_PRELOAD uses); it is the same call plus a note of the result. If a
// build ever bypasses it, take_accepted_socket() stays -1: refusals are still answered, but the
// header deadline and the close after a refusal do not happen, which the connection tests catch.
extern "C" int accept(int fd, sockaddr* __restrict addr, socklen_t* __restrict len) {
  int s = ::accept4(fd, addr, len, 0);
  agg::last_accepted = s;
  return s;
}
