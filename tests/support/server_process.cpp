#include "support/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace agg::test {

namespace {

std::string& binary_path() {
  static std::string path;
  return path;
}

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Polling interval for child exit and /healthz: short enough not to slow tests down.
constexpr auto poll_interval = 5ms;

exit_status decode(int raw) {
  exit_status s;
  if (WIFEXITED(raw)) {
    s.exited = true;
    s.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    s.signaled = true;
    s.signal = WTERMSIG(raw);
  }
  return s;
}

/// Everything the child needs, built before fork: after fork in a threaded process only
/// async-signal-safe calls are allowed.
struct child_plan {
  std::vector<std::string> args;
  std::vector<char*> argv;
  std::string log_path;
  std::optional<rlim_t> file_size_limit;
  std::optional<rlim_t> open_file_limit;
  int output_fd = -1; ///< When >= 0, stdout/stderr go here instead of log_path.
  std::vector<std::pair<std::string, std::string>> env; ///< Set on top of ours.
  std::vector<std::string> env_entries;
  std::vector<char*> envp;
};

void prepare(child_plan& plan) {
  for (auto& a : plan.args)
    plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  // Our environment minus the variables the plan replaces, then the plan's own.
  for (char** var = environ; var && *var; ++var) {
    std::string entry = *var;
    bool replaced = std::any_of(plan.env.begin(), plan.env.end(), [&](auto& kv) {
      return entry.compare(0, kv.first.size() + 1, kv.first + "=") == 0;
    });
    if (!replaced)
      plan.env_entries.push_back(entry);
  }
  for (auto& [name, value] : plan.env)
    plan.env_entries.push_back(name + "=" + value);
  for (auto& e : plan.env_entries)
    plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
}

[[noreturn]] void run_child(const child_plan& plan, pid_t parent) {
  // Die with the test process so a crashed test leaves no server behind.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent)
    ::_exit(126);
  int out = plan.output_fd;
  if (out < 0)
    out = ::open(plan.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int in = ::open("/dev/null", O_RDONLY);
  if (out < 0 || in < 0)
    ::_exit(126);
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(out, 2);
  // Inherited client sockets would keep the test's connections open after it closes them.
  if (::close_range(3, ~0U, 0) != 0)
    for (int fd = 3; fd < 4096; ++fd)
      ::close(fd);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGHUP})
    ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (plan.file_size_limit) {
    // Writes past the limit then fail with EFBIG instead of killing the server.
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGXFSZ, &ign, nullptr);
    struct rlimit lim {
      *plan.file_size_limit, RLIM_INFINITY
    };
    ::setrlimit(RLIMIT_FSIZE, &lim);
  }
  if (plan.open_file_limit) {
    struct rlimit lim {
      *plan.open_file_limit, *plan.open_file_limit
    };
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  ::execve(plan.argv[0], plan.argv.data(), plan.envp.data());
  static const char msg[] = "execve failed for the server binary\n";
  [[maybe_unused]] auto n = ::write(2, msg, sizeof(msg) - 1);
  ::_exit(127);
}

pid_t fork_child(child_plan& plan) {
  prepare(plan);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0)
    throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0)
    run_child(plan, parent);
  return pid;
}

/// Waits for `pid` until `deadline`, then SIGKILLs it.
exit_status reap(pid_t pid, clock_type::time_point started, std::chrono::milliseconds deadline) {
  int raw = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &raw, WNOHANG);
    if (r == pid)
      break;
    if (r < 0 && errno != EINTR)
      throw std::system_error(errno, std::generic_category(), "waitpid");
    if (clock_type::now() - started > deadline) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
      }
      auto s = decode(raw);
      s.timed_out = true;
      s.elapsed
        = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
      return s;
    }
    std::this_thread::sleep_for(1ms);
  }
  auto s = decode(raw);
  s.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
  return s;
}

/// LISTEN sockets on `port` in /proc/net/tcp{,6}: more than one means another process shares
/// the port (cpp-httplib sets SO_REUSEPORT, so a clash does not fail the bind).
int count_listeners(uint16_t port) {
  char wanted[8];
  std::snprintf(wanted, sizeof(wanted), ":%04X", port);
  int count = 0;
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sl, local, remote, state;
      fields >> sl >> local >> remote >> state;
      if (state == "0A" && local.size() >= 5 && local.compare(local.size() - 5, 5, wanted) == 0)
        ++count;
    }
  }
  return count;
}

std::string read_tail(const std::filesystem::path& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "<no log at " + path.string() + ">";
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (all.size() > max_bytes)
    all = "..." + all.substr(all.size() - max_bytes);
  return all;
}

} // namespace

void set_server_binary(const std::string& path) {
  binary_path() = path;
}

const std::string& server_binary() {
  if (binary_path().empty())
    throw std::logic_error("no server binary: compile the tests with AGG_SERVER_BINARY defined");
  return binary_path();
}

std::string exit_status::describe() const {
  std::ostringstream out;
  if (exited)
    out << "exited with " << code;
  else if (signaled)
    out << "killed by signal " << signal << " (" << strsignal(signal) << ")";
  else
    out << "unknown end";
  if (timed_out)
    out << " after missing its deadline (SIGKILLed)";
  out << " after " << elapsed.count() << " ms";
  return out.str();
}


server_process::server_process(std::vector<std::string> extra_args)
    : server_process(server_options{std::move(extra_args), std::nullopt}) {}

server_process::server_process(server_options options)
    : options_(std::move(options)),
      dir_("agg-it-") {
  data_dir_ = dir_ / "data";
  log_path_ = dir_ / "server.log";
  std::filesystem::create_directories(data_dir_);
}

server_process::~server_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int raw = 0;
    while (::waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
    }
  }
}

void server_process::set_env(const std::string& name, const std::string& value) {
  auto& env = options_.env;
  env.erase(std::remove_if(env.begin(), env.end(), [&](auto& kv) { return kv.first == name; }),
            env.end());
  env.emplace_back(name, value);
}

void server_process::spawn() {
  port_ = pick_free_port();
  {
    std::ofstream log(log_path_, std::ios::app);
    log << "=== test harness: starting on port " << port_ << " ===\n";
  }
  child_plan plan;
  plan.args = {server_binary(),       "--host",     "127.0.0.1",       "--port",
               std::to_string(port_), "--data-dir", data_dir_.string()};
  plan.args.insert(plan.args.end(), options_.extra_args.begin(), options_.extra_args.end());
  plan.log_path = log_path_.string();
  plan.file_size_limit = options_.file_size_limit;
  plan.open_file_limit = options_.open_file_limit;
  plan.env = options_.env;
  pid_ = fork_child(plan);
}

std::optional<exit_status> server_process::try_reap() {
  if (pid_ <= 0)
    return last_exit_;
  int raw = 0;
  if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
    pid_ = -1;
    last_exit_ = decode(raw);
    return last_exit_;
  }
  return std::nullopt;
}

bool server_process::running() {
  return !try_reap().has_value();
}

server_process::outcome server_process::wait_healthy(std::chrono::milliseconds deadline) {
  auto until = clock_type::now() + deadline;
  auto cli = connect();
  cli.set_connection_timeout(0, 200'000);
  cli.set_read_timeout(2, 0);
  while (clock_type::now() < until) {
    if (try_reap())
      return outcome::exited;
    auto res = cli.Get("/healthz");
    if (res && res->status == 200)
      return outcome::healthy;
    std::this_thread::sleep_for(poll_interval);
  }
  return outcome::timed_out;
}

void server_process::start() {
  if (pid_ > 0)
    throw std::logic_error("server_process::start while running");
  // Start-up budget from the brief: a healthy server answers /healthz within 15 s.
  constexpr auto startup_deadline = 15s;
  constexpr int attempts = 4; // a port taken between pick and bind is retried elsewhere
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    spawn();
    switch (wait_healthy(startup_deadline)) {
      case outcome::healthy:
        if (count_listeners(port_) <= 1) // 0 only if /proc is unreadable
          return;
        kill9(); // someone else listens on this port too: our requests could reach them
        continue;
      case outcome::exited:
        if (attempt < attempts)
          continue;
        throw std::runtime_error("server exited during start-up (" + last_exit_.describe()
                                 + "); log:\n" + log_tail());
      case outcome::timed_out:
        kill9();
        throw std::runtime_error("server did not answer GET /healthz with 200 within 15 s; log:\n"
                                 + log_tail());
    }
  }
  throw std::runtime_error("server could not get a port of its own; log:\n" + log_tail());
}

exit_status server_process::stop_with(int sig, std::chrono::milliseconds deadline) {
  if (auto done = try_reap())
    return *done;
  auto started = clock_type::now();
  ::kill(pid_, sig);
  last_exit_ = reap(pid_, started, deadline);
  pid_ = -1;
  return last_exit_;
}

exit_status server_process::kill9() {
  return stop_with(SIGKILL, 10s);
}

void server_process::restart() {
  if (running()) {
    auto s = stop_with(SIGTERM);
    if (!s.exited || s.code != 0)
      throw std::runtime_error("restart: SIGTERM did not end the server cleanly: " + s.describe()
                               + "; log:\n" + log_tail());
  }
  start();
}

std::string server_process::log_tail(size_t max_bytes) const {
  return read_tail(log_path_, max_bytes);
}

bool server_process::uses_tls() const {
  for (auto& arg : options_.extra_args)
    if (arg == "--tls-cert" || arg.rfind("--tls-cert=", 0) == 0)
      return true;
  return false;
}

httplib::Client server_process::connect() const {
  if (!uses_tls())
    return httplib::Client("127.0.0.1", port_);
  // Tests make throw-away self-signed certificates; tls.test.cpp checks verification itself.
  httplib::Client cli("https://127.0.0.1:" + std::to_string(port_));
  cli.enable_server_certificate_verification(false);
  return cli;
}

httplib::Client server_process::client() const {
  auto cli = connect();
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(30, 0);
  cli.set_write_timeout(30, 0);
  cli.set_url_encode(false); // tests encode queries themselves and follow Link as sent
  cli.set_tcp_nodelay(true); // else Nagle + delayed ACK add ~40 ms to keep-alive requests
  return cli;
}

std::string server_process::raw_header(const std::string& path, const std::string& name) const {
  return agg::test::raw_header(port_, path, name);
}

reply server_process::get(const std::string& path) const {
  return to_reply(client().Get(path));
}

reply server_process::post(const std::string& path, const std::string& body,
                           const std::string& content_type) const {
  return to_reply(client().Post(path, body, content_type));
}

reply server_process::post_json(const std::string& path, const nlohmann::json& body) const {
  return post(path, body.dump());
}

reply server_process::send(const std::string& method, const std::string& path,
                           const std::string& body) const {
  auto cli = client();
  const std::string type = "application/json";
  if (method == "GET")
    return to_reply(cli.Get(path));
  if (method == "POST")
    return to_reply(cli.Post(path, body, type));
  if (method == "PUT")
    return to_reply(cli.Put(path, body, type));
  if (method == "DELETE")
    return to_reply(cli.Delete(path, body, type));
  if (method == "PATCH")
    return to_reply(cli.Patch(path, body, type));
  if (method == "OPTIONS")
    return to_reply(cli.Options(path));
  throw std::invalid_argument("send: unsupported method " + method);
}

nlohmann::json server_process::stats() const {
  auto r = get("/stats");
  if (r.status != 200)
    throw std::runtime_error("GET /stats failed: " + r.describe());
  return r.json();
}

void server_process::set_file_size_limit(rlim_t limit) {
  struct rlimit lim {
    limit, RLIM_INFINITY
  };
  if (pid_ <= 0 || ::prlimit(pid_, RLIMIT_FSIZE, &lim, nullptr) != 0)
    throw std::system_error(errno, std::generic_category(), "prlimit RLIMIT_FSIZE");
}

run_result run_server_binary(const std::vector<std::string>& args,
                             std::chrono::milliseconds deadline,
                             const std::vector<std::pair<std::string, std::string>>& env) {
  temp_dir dir("agg-run-");
  auto out_path = dir / "output";
  int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "open " + out_path.string());
  child_plan plan;
  plan.args.push_back(server_binary());
  plan.args.insert(plan.args.end(), args.begin(), args.end());
  plan.output_fd = fd; // dup2 clears O_CLOEXEC on fds 1 and 2
  plan.env = env;
  auto started = clock_type::now();
  pid_t pid = fork_child(plan);
  ::close(fd);
  run_result result;
  result.status = reap(pid, started, deadline);
  result.output = read_tail(out_path, 1 << 20);
  return result;
}

uint16_t pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "bind/getsockname port 0");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}


} // namespace agg::test
