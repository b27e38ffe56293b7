#include "support/process.hpp"

#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace portico::testing {

namespace {

pid_t spawn(const std::vector<std::string>& argv, int out_fd, int err_fd) {
  std::vector<char*> args;
  for (const auto& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    if (out_fd >= 0) dup2(out_fd, 1);
    if (err_fd >= 0) dup2(err_fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  if (pid < 0) throw std::runtime_error("fork failed");
  return pid;
}

int decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void drain(int fd, std::string& into) {
  char chunk[4096];
  for (;;) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return;
    into.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = spawn(argv, out_pipe[1], err_pipe[1]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  ProcessResult result;
  std::thread out_reader([&] { drain(out_pipe[0], result.out); });
  drain(err_pipe[0], result.err);
  out_reader.join();
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = decode(status);
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv) {
  int err_pipe[2];
  if (pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  pid_ = spawn(argv, -1, err_pipe[1]);
  close(err_pipe[1]);
  err_fd_ = err_pipe[0];
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (err_fd_ >= 0) close(err_fd_);
}

std::string BackgroundProcess::wait_for_line(const std::string& needle,
                                             std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::size_t end;
    while ((end = err_.find('\n', scanned_)) != std::string::npos) {
      std::string line = err_.substr(scanned_, end - scanned_);
      scanned_ = end + 1;
      if (line.find(needle) != std::string::npos) return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd waiting{err_fd_, POLLIN, 0};
    if (poll(&waiting, 1, static_cast<int>(left.count())) <= 0) return {};
    char chunk[4096];
    const ssize_t n = read(err_fd_, chunk, sizeof chunk);
    if (n <= 0) return {};
    err_.append(chunk, static_cast<std::size_t>(n));
  }
}

void BackgroundProcess::signal(int number) {
  kill(pid_, number);
}

int BackgroundProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      fcntl(err_fd_, F_SETFL, O_NONBLOCK);
      drain(err_fd_, err_);
      return decode(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::unique_ptr<BackgroundProcess> start_logging_to_file(const std::vector<std::string>& argv,
                                                         const std::string& log_file) {
  // sh only redirects, then becomes the program (exec): signals reach the program itself.
  std::vector<std::string> shell = {"/bin/sh", "-c", R"(exec "$@" 2>>"$0")", log_file};
  shell.insert(shell.end(), argv.begin(), argv.end());
  return std::make_unique<BackgroundProcess>(shell);
}

std::string wait_for_file_line(const std::string& log_file, std::size_t from,
                               const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    std::ifstream in(log_file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const std::size_t at = from < text.size() ? text.find(needle, from) : std::string::npos;
    if (at != std::string::npos) {
      const std::size_t start = text.rfind('\n', at);
      const std::size_t begin = start == std::string::npos ? 0 : start + 1;
      return text.substr(begin, text.find('\n', at) - begin);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return {};
}

}  // namespace portico::testing
