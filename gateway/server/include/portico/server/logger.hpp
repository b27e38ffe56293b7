#pragma once

#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace portico::server {

// One line per event in logfmt (`level=info msg="..." key=value`), to stderr by default or to
// a sink tests can read. Callers pass only what may be logged: key prefixes, never keys.
class Logger {
 public:
  using Sink = std::function<void(std::string_view line)>;
  using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  Logger();  // stderr
  explicit Logger(Sink sink) : sink_(std::move(sink)) {}

  void info(std::string_view message, Fields fields = {}) { write("info", message, fields); }
  void warn(std::string_view message, Fields fields = {}) { write("warn", message, fields); }
  void error(std::string_view message, Fields fields = {}) { write("error", message, fields); }

 private:
  void write(std::string_view level, std::string_view message, Fields fields);

  std::mutex mutex_;
  Sink sink_;
};

}  // namespace portico::server
