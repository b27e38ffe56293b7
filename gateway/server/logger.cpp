#include "portico/server/logger.hpp"

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

// stderr is unbuffered: the line and its newline go out in one write(2), so lines from several
// processes sharing the file never interleave and a request costs one system call.
Logger::Logger()
    : sink_([](std::string_view line) {
        thread_local std::string out;
        out.assign(line);
        out += '\n';
        std::fwrite(out.data(), 1, out.size(), stderr);
      }) {}

void Logger::write(std::string_view level, std::string_view message, Fields fields) {
  std::string line = "level=";
  line += level;
  line += " msg=";
  append_value(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    append_value(line, value);
  }
  std::lock_guard lock(mutex_);
  sink_(line);
}

}  // namespace portico::server
