#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace portico::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program to completion and captures its output.
ProcessResult run_process(const std::vector<std::string>& argv);

// A program running in the background, its stderr readable line by line; killed (SIGKILL) if
// still running when this object goes.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv);
  ~BackgroundProcess();
  // Reads stderr until a line contains `needle`; returns that line, or "" on timeout/exit.
  std::string wait_for_line(const std::string& needle, std::chrono::milliseconds timeout);
  void signal(int number);
  // Waits for the exit; returns the exit code (128+signal when killed), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  const std::string& stderr_text() const { return err_; }

 private:
  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::string err_;
  std::size_t scanned_ = 0;
};

// A program whose stderr is appended to `log_file` instead of a pipe: for servers that log more
// than a pipe holds while nobody reads it (a full pipe would stall them).
std::unique_ptr<BackgroundProcess> start_logging_to_file(const std::vector<std::string>& argv,
                                                         const std::string& log_file);

// Waits for a line containing `needle` written to `log_file` past byte `from`; returns that
// line, or "" on timeout.
std::string wait_for_file_line(const std::string& log_file, std::size_t from,
                               const std::string& needle, std::chrono::milliseconds timeout);

}  // namespace portico::testing
