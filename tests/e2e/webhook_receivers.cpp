#include "e2e/webhook_receivers.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "e2e/openapi_watch.hpp"

namespace portico::testing {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace wire = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr int kPortAttempts = 8;

// The scripts live beside this file in the source tree.
std::filesystem::path receivers_dir() {
  return std::filesystem::path(__FILE__).parent_path() / "receivers";
}

bool executable(const std::filesystem::path& path) {
  return access(path.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(path);
}

// The first of `names` found in /usr/bin, then along PATH (a pyenv shim costs half a second
// per start, the system interpreter does not).
std::string find_program(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (executable("/usr/bin/" + name)) return "/usr/bin/" + name;
  }
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  for (const std::string& name : names) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty() && executable(std::filesystem::path(dir) / name)) {
        return (std::filesystem::path(dir) / name).string();
      }
    }
  }
  return {};
}

// A port that was free a moment ago (php -S needs one given; a clash is retried).
std::uint16_t pick_free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  // NOLINTBEGIN(*-reinterpret-cast): the sockets API takes sockaddr*.
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  // NOLINTEND(*-reinterpret-cast)
  close(fd);
  if (!bound) throw std::runtime_error("cannot bind a loopback port");
  return ntohs(address.sin_port);
}

// Runs `argv` with its stdout joined to its stderr, which BackgroundProcess reads.
std::vector<std::string> with_stdout_on_stderr(std::vector<std::string> argv) {
  std::vector<std::string> wrapped = {"/bin/sh", "-c", "exec \"$@\" 1>&2", "sh"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

}  // namespace

const char* verifier_name(Verifier verifier) {
  switch (verifier) {
    case Verifier::node:
      return "node";
    case Verifier::python:
      return "python";
    case Verifier::php:
      return "php";
  }
  return "?";
}

std::string verifier_runtime(Verifier verifier) {
  switch (verifier) {
    case Verifier::node:
      return find_program({"node", "nodejs"});
    case Verifier::python:
      return find_program({"python3"});
    case Verifier::php:
      return find_program({"php"});
  }
  return {};
}

VerifierReceiver::VerifierReceiver(Verifier verifier, const std::string& secret,
                                   std::string log_path)
    : verifier_(verifier), log_path_(std::move(log_path)) {
  const std::string runtime = verifier_runtime(verifier);
  if (runtime.empty()) {
    throw std::runtime_error(std::string(verifier_name(verifier)) + " is not installed");
  }
  std::ofstream(log_path_, std::ios::app).flush();  // exists, empty, before any delivery

  if (verifier != Verifier::php) {
    const std::string script =
        (receivers_dir() / (verifier == Verifier::node ? "node_receiver.js" : "python_receiver.py"))
            .string();
    process_ = std::make_unique<BackgroundProcess>(
        with_stdout_on_stderr({runtime, script, secret, log_path_}));
    // The receiver's first line is its port.
    const std::string line = process_->wait_for_line("", kStartTimeout);
    const long port = std::strtol(line.c_str(), nullptr, 10);
    if (port <= 0 || port > 65535) {
      throw std::runtime_error(std::string(verifier_name(verifier)) +
                               " receiver did not start: " + process_->stderr_text());
    }
    port_ = static_cast<std::uint16_t>(port);
    return;
  }

  // php -S takes its port on the command line: pick one, retry when another process took it
  // in between.
  const std::string script = (receivers_dir() / "php_receiver.php").string();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    const std::uint16_t port = pick_free_port();
    const std::string address = "127.0.0.1:" + std::to_string(port);
    // The secret and the log's path reach the script through the environment; -q: no access
    // log (nobody reads it, and a full pipe would block the server).
    process_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{
        "/bin/sh", "-c",
        "SECRET=\"$1\" RECEIVER_LOG=\"$2\"; export SECRET RECEIVER_LOG; shift 2; exec \"$@\"", "sh",
        secret, log_path_, runtime, "-q", "-S", address, script});
    const std::string line = process_->wait_for_line(address, kStartTimeout);
    if (line.find("started") != std::string::npos) {
      port_ = port;
      return;
    }
  }
  throw std::runtime_error("php receiver did not start: " + process_->stderr_text());
}

VerifierReceiver::~VerifierReceiver() = default;

std::string VerifierReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<AcceptedDelivery> VerifierReceiver::accepted() const {
  std::vector<AcceptedDelivery> lines;
  std::ifstream log(log_path_);
  std::string line;
  while (std::getline(log, line)) {
    const std::size_t space = line.find(' ');
    if (space == std::string::npos) continue;  // a line still being written
    lines.push_back({line.substr(0, space), line.substr(space + 1)});
  }
  return lines;
}

bool VerifierReceiver::wait_for_accepted(std::size_t count,
                                         std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (accepted().size() < count) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string VerifierReceiver::output() const {
  return process_ ? process_->stderr_text() : std::string();
}

std::string ReceivedRequest::header(const std::string& lowercase_name) const {
  const auto found = headers.find(lowercase_name);
  return found == headers.end() ? std::string() : found->second;
}

struct ProgrammableReceiver::Impl {
  std::optional<asio::io_context> io{std::in_place};
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  std::uint16_t port = 0;

  mutable std::mutex mutex;
  mutable std::condition_variable arrived;
  std::deque<ScriptedReply> script;
  ScriptedReply fallback;
  std::vector<ReceivedRequest> requests;

  // Records the request and picks its reply.
  ScriptedReply record(const wire::request<wire::string_body>& request) {
    ReceivedRequest received;
    received.method = std::string(request.method_string());
    received.target = std::string(request.target());
    for (const auto& field : request) {
      std::string name(field.name_string());
      for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      received.headers[name] = std::string(field.value());
    }
    received.body = request.body();
    received.received_at = std::chrono::system_clock::now();
    check_webhook_delivery(received.headers, received.body);
    std::lock_guard lock(mutex);
    requests.push_back(std::move(received));
    arrived.notify_all();
    if (script.empty()) return fallback;
    ScriptedReply reply = script.front();
    script.pop_front();
    return reply;
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (!acceptor->is_open()) co_return;
        continue;
      }
      asio::co_spawn(*io, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      wire::request<wire::string_body> request;
      auto [read_error, read_bytes] =
          co_await wire::async_read(stream, buffer, request, asio::as_tuple(asio::use_awaitable));
      (void)read_bytes;
      if (read_error) co_return;  // closed by the client, or not HTTP
      const ScriptedReply reply = record(request);
      if (reply.delay.count() > 0) {
        asio::steady_timer timer(stream.get_executor(), reply.delay);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      wire::response<wire::string_body> response;
      response.version(request.version());
      response.result(static_cast<unsigned>(reply.status));
      response.set(wire::field::content_type, "text/plain");
      if (reply.retry_after) response.set(wire::field::retry_after, *reply.retry_after);
      if (reply.location) response.set(wire::field::location, *reply.location);
      // 204 and 304 carry no body (Beast refuses to frame one).
      if (reply.status != 204 && reply.status != 304) {
        response.body() = "status " + std::to_string(reply.status);
      }
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      auto [write_error, written] =
          co_await wire::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
      (void)written;
      if (write_error || !response.keep_alive()) co_return;
    }
  }
};

ProgrammableReceiver::ProgrammableReceiver() : impl_(std::make_shared<Impl>()) {
  Impl& impl = *impl_;
  auto& acceptor = impl.acceptor.emplace(*impl.io);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  acceptor.open(endpoint.protocol());
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  impl.port = acceptor.local_endpoint().port();
  asio::co_spawn(*impl.io, impl.accept_loop(), asio::detached);
  impl.thread = std::thread([&impl] {
    for (;;) {
      try {
        impl.io->run();
        return;
      } catch (const std::exception&) {
        // A broken connection ends its own session only.
      }
    }
  });
}

ProgrammableReceiver::~ProgrammableReceiver() {
  stop();
}

void ProgrammableReceiver::stop() {
  Impl& impl = *impl_;
  if (!impl.thread.joinable()) return;
  asio::post(*impl.io, [&impl] {
    error_code ec;
    impl.acceptor->close(ec);
    impl.io->stop();
  });
  impl.thread.join();
  // Destroying the io_context destroys the suspended sessions, closing their sockets; the
  // acceptor, bound to it, goes first.
  impl.acceptor.reset();
  impl.io.reset();
}

std::uint16_t ProgrammableReceiver::port() const {
  return impl_->port;
}

std::string ProgrammableReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + path;
}

void ProgrammableReceiver::script(std::vector<ScriptedReply> replies) {
  std::lock_guard lock(impl_->mutex);
  impl_->script.insert(impl_->script.end(), replies.begin(), replies.end());
}

void ProgrammableReceiver::answer_by_default(ScriptedReply reply) {
  std::lock_guard lock(impl_->mutex);
  impl_->fallback = std::move(reply);
}

std::vector<ReceivedRequest> ProgrammableReceiver::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

std::size_t ProgrammableReceiver::request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests.size();
}

bool ProgrammableReceiver::wait_for_requests(std::size_t count,
                                             std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->arrived.wait_for(lock, timeout, [&] { return impl_->requests.size() >= count; });
}

}  // namespace portico::testing
