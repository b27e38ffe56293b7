#include "portico/server/logger.hpp"

#include <chrono>
#include <cstdio>
#include <string>

namespace portico::server {

namespace {
void append_value(std::string& line, std::string_view value) {
  const bool plain =
      !value.empty() && value.find_first_of(" \"=\\\n\r\t") == std::string_view::npos;
  if (plain) {
    line += value;
    return;
  }
  line += '"';
  for (char c : value) {
    switch (c) {
      case '"':
        line += "\\\"";
        break;
      case '\\':
        line += "\\\\";
        break;
      case '\n':
        line += "\\n";
        break;
      case '\r':
        line += "\\r";
        break;
      case '\t':
        line += "\\t";
        break;
      default:
        // Control bytes from hostile input must not forge log lines.
        if (static_cast<unsigned char>(c) < 0x20) {
          line += '?';
        } else {
          line += c;
        }
    }
  }
  line += '"';
}
}  // namespace

constexpr auto kFlushInterval = std::chrono::milliseconds(5);
constexpr std::size_t kMaxBuffered = 1 << 20;  // beyond this a request writes them itself

Logger::Logger() : flusher_([this] { flush_loop(); }) {}

Logger::~Logger() {
  if (!flusher_.joinable()) return;
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_one();
  flusher_.join();
}

void Logger::flush_loop() {
  std::string lines;
  std::unique_lock lock(mutex_);
  while (true) {
    stop_.wait_for(lock, kFlushInterval, [this] { return stopping_; });
    const bool last = stopping_;
    write_out(lock, lines);
    if (last) return;
    lock.lock();
  }
}

void Logger::write_out(std::unique_lock<std::mutex>& lock, std::string& lines) {
  lines.clear();
  lines.swap(buffered_);
  // Taken before mutex_ is let go, so batches reach stderr in the order they were taken; the
  // threads logging meanwhile only append.
  const std::lock_guard writing(write_mutex_);
  lock.unlock();
  // stderr is unbuffered: one fwrite is one write(2) (short writes aside), so lines from
  // several processes sharing the file never interleave.
  if (!lines.empty()) std::fwrite(lines.data(), 1, lines.size(), stderr);
}

void Logger::write(std::string_view level, std::string_view message, Fields fields) {
  // Formatted in this thread's own buffer, which keeps its capacity: no allocation per line.
  thread_local std::string line;
  line.assign("level=");
  line += level;
  line += " msg=";
  append_value(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    append_value(line, value);
  }
  std::unique_lock lock(mutex_);
  if (sink_) {
    sink_(line);
    return;
  }
  buffered_ += line;
  buffered_ += '\n';
  if (level != "info" || buffered_.size() > kMaxBuffered) {
    std::string lines;
    write_out(lock, lines);
  }
}

}  // namespace portico::server
