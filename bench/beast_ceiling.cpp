// portico_beast_ceiling: the stack's ceiling for scripts/bench. A bare Boost.Beast HTTP/1.1
// keep-alive server, built with the gateway's flags, that answers every request with one fixed
// response: the body and header shape of a real GET /api/v1/me. What the gateway does beyond
// this (auth, routing, the envelope, logging, metrics) is what the benchmark's ratio measures.
//
//   portico_beast_ceiling --listen 127.0.0.1:0 --threads 2 --body FILE [--header 'Name: value']...
//
// Prints the port it listens on as the first line on stdout; runs until SIGTERM or SIGINT.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

struct Options {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  int threads = 2;
  std::string body_file;
  std::vector<std::pair<std::string, std::string>> headers;
};

Options parse(int argc, char** argv) {
  Options options;
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) throw std::invalid_argument(flag + " needs a value");
    const std::string& value = args[++i];
    if (flag == "--listen") {
      const auto colon = value.rfind(':');
      if (colon == std::string::npos) throw std::invalid_argument("--listen takes host:port");
      options.host = value.substr(0, colon);
      options.port = static_cast<unsigned short>(std::stoul(value.substr(colon + 1)));
    } else if (flag == "--threads") {
      options.threads = std::stoi(value);
    } else if (flag == "--body") {
      options.body_file = value;
    } else if (flag == "--header") {
      const auto colon = value.find(':');
      if (colon == std::string::npos) throw std::invalid_argument("--header takes 'Name: value'");
      const auto start = value.find_first_not_of(' ', colon + 1);
      options.headers.emplace_back(value.substr(0, colon),
                                   start == std::string::npos ? "" : value.substr(start));
    } else {
      throw std::invalid_argument("unknown option " + flag);
    }
  }
  if (options.body_file.empty()) throw std::invalid_argument("--body FILE is required");
  return options;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

using Response = http::response<http::string_body>;

// One connection: the read buffer lives as long as the connection, and the response is the
// server's single prepared message, serialized again for each request.
net::awaitable<void> serve(tcp::socket socket, const Response& response) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::empty_body> parser;
    auto [read_error, read_bytes] = co_await http::async_read(socket, buffer, parser, kNoThrow);
    if (read_error) break;
    auto [write_error, written] = co_await http::async_write(socket, response, kNoThrow);
    if (write_error || !parser.get().keep_alive()) break;
  }
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, const Response& response) {
  for (;;) {
    // Each connection gets the io_context's executor: one coroutine per socket never runs
    // concurrently with itself, so no strand is needed.
    auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;
    socket.set_option(tcp::no_delay(true), ec);
    net::co_spawn(acceptor.get_executor(), serve(std::move(socket), response), net::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse(argc, argv);

    Response response{http::status::ok, 11};
    for (const auto& [name, value] : options.headers)
      response.set(name, value);
    response.body() = read_file(options.body_file);
    response.keep_alive(true);
    response.prepare_payload();

    net::io_context io(options.threads);
    tcp::acceptor acceptor(io);
    const tcp::endpoint endpoint(net::ip::make_address(options.host), options.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
    std::cout << acceptor.local_endpoint().port() << std::endl;

    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const beast::error_code&, int) { io.stop(); });
    net::co_spawn(io, accept_loop(acceptor, response), net::detached);

    std::vector<std::thread> workers;
    for (int i = 1; i < options.threads; ++i)
      workers.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& worker : workers)
      worker.join();
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "portico_beast_ceiling: " << error.what() << "\n";
    return 1;
  }
}
