#pragma once

#include "support/server_process.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// A Server-Sent Events client for the GET /subscribe tests: it reads a stream on its own
// thread, the way a browser's EventSource would, and keeps what it parsed. No Catch2 calls
// here (Catch2 v2 is not thread-safe): tests read the results on their own thread.

namespace agg::test {

/// One SSE frame (an event, not a comment).
struct sse_frame {
  std::string id;
  std::string event;
  std::string data;
};

/// Incremental SSE parsing: frames end at a blank line; lines starting with ':' are comments.
class sse_parser {
public:
  /// Parses `text`, calling `on_frame` for each complete frame and `on_comment` per comment.
  void feed(const char* text, size_t size, const std::function<void(sse_frame)>& on_frame,
            const std::function<void(const std::string&)>& on_comment) {
    buffer_.append(text, size);
    size_t start = 0;
    for (auto end = buffer_.find('\n', start); end != std::string::npos;
         end = buffer_.find('\n', start)) {
      auto line = buffer_.substr(start, end - start);
      start = end + 1;
      if (line.empty()) {
        if (!current_.id.empty() || !current_.event.empty() || !current_.data.empty())
          on_frame(std::move(current_));
        current_ = {};
      } else if (line[0] == ':') {
        on_comment(line);
      } else {
        auto colon = line.find(':');
        auto name = line.substr(0, colon);
        auto value = colon == std::string::npos ? std::string{} : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ')
          value.erase(0, 1);
        if (name == "id")
          current_.id = value;
        else if (name == "event")
          current_.event = value;
        else if (name == "data")
          current_.data += current_.data.empty() ? value : "\n" + value;
      }
    }
    buffer_.erase(0, start);
  }

private:
  std::string buffer_;
  sse_frame current_;
};

/// One GET /subscribe stream read on its own thread until the server ends it, stop() is
/// called (noticed at the next data, so tests run the server with a short --heartbeat-ms) or
/// `stop_after` frames arrived: then it hangs up, a forced disconnect.
class sse_subscriber {
public:
  sse_subscriber(uint16_t port, std::string path, httplib::Headers headers = {},
                 size_t stop_after = SIZE_MAX)
    : port_(port), path_(std::move(path)), headers_(std::move(headers)), stop_after_(stop_after) {
    thread_ = std::thread{[this] { run(); }};
  }
  ~sse_subscriber() {
    stop();
    thread_.join();
  }
  sse_subscriber(const sse_subscriber&) = delete;
  sse_subscriber& operator=(const sse_subscriber&) = delete;

  /// Asks the reader to hang up at the next data it gets.
  void stop() {
    stop_ = true;
  }
  /// The stream's first comment arrived: the subscriber is registered.
  bool opened() const {
    return opened_;
  }
  /// The request is over (the server ended it, or we hung up).
  bool finished() const {
    return finished_;
  }
  /// The HTTP status, 0 before the answer.
  int status() const {
    return status_;
  }
  size_t heartbeats() const {
    return heartbeats_;
  }
  std::vector<sse_frame> frames() const {
    std::lock_guard<std::mutex> lock{mtx_};
    return frames_;
  }
  size_t frame_count() const {
    std::lock_guard<std::mutex> lock{mtx_};
    return frames_.size();
  }

private:
  void run() {
    httplib::Client cli{"127.0.0.1", port_};
    cli.set_read_timeout(30, 0);
    cli.Get(
      path_, headers_,
      [this](const httplib::Response& res) {
        status_ = res.status;
        return true;
      },
      [this](const char* data, size_t size) {
        parser_.feed(
          data, size,
          [this](sse_frame frame) {
            std::lock_guard<std::mutex> lock{mtx_};
            if (frames_.size() < stop_after_) // A frame after the cut counts as never received.
              frames_.push_back(std::move(frame));
          },
          [this](const std::string& comment) {
            if (comment == ": subscribed")
              opened_ = true;
            else if (comment == ": heartbeat")
              ++heartbeats_;
          });
        return !stop_ && frame_count() < stop_after_;
      });
    finished_ = true;
  }

  uint16_t port_;
  std::string path_;
  httplib::Headers headers_;
  size_t stop_after_;
  sse_parser parser_;
  mutable std::mutex mtx_;
  std::vector<sse_frame> frames_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> opened_{false};
  std::atomic<bool> finished_{false};
  std::atomic<int> status_{0};
  std::atomic<size_t> heartbeats_{0};
  std::thread thread_;
};

/// Polls `done` every 10 ms until it holds or `timeout` passes; returns its last value.
inline bool poll_until(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline)
      return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

/// The value of an unlabelled sample in GET /metrics, or -1 when it is missing.
inline double metric(const server_process& s, const std::string& name) {
  auto body = s.get("/metrics").body;
  auto at = body.find("\n" + name + " ");
  if (at == std::string::npos)
    return -1;
  return std::stod(body.substr(at + name.size() + 2));
}

/// The server's resident memory in KiB (VmRSS), or -1.
inline long rss_kib(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

} // namespace agg::test
