#pragma once

#include <condition_variable>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace portico::server {

// One line per event in logfmt (`level=info msg="..." key=value`), to stderr by default or to
// a sink tests can read. Callers pass only what may be logged: key prefixes, never keys.
//
// To stderr, info lines (one per request) are buffered and written by a thread of the
// logger's own, every few milliseconds in one write(2), so a request never waits for the
// terminal or the disk; a warn or error line is written at once, after what was buffered, so
// nothing that explains a failure waits. Destroying the logger writes what is left.
class Logger {
 public:
  using Sink = std::function<void(std::string_view line)>;
  using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  Logger();  // stderr
  explicit Logger(Sink sink) : sink_(std::move(sink)) {}
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void info(std::string_view message, Fields fields = {}) { write("info", message, fields); }
  void warn(std::string_view message, Fields fields = {}) { write("warn", message, fields); }
  void error(std::string_view message, Fields fields = {}) { write("error", message, fields); }

 private:
  void write(std::string_view level, std::string_view message, Fields fields);
  void flush_loop();
  // Takes what is buffered into `lines` and writes it to stderr; unlocks `lock` (on mutex_).
  void write_out(std::unique_lock<std::mutex>& lock, std::string& lines);

  std::mutex mutex_;
  std::mutex write_mutex_;  // held while writing to stderr
  Sink sink_;               // a test's sink; empty for stderr
  std::string buffered_;    // stderr lines not written yet, guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  std::condition_variable stop_;
  std::thread flusher_;  // stderr only
};

}  // namespace portico::server
