#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace portico::test {

// Starts a coroutine on `io` and returns a future of its value. co_spawn needs a default-
// constructible result, which core::Result is not, hence the optional.
template <typename T>
std::future<std::optional<T>> spawn(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  auto wrapped = [](boost::asio::awaitable<T> inner) -> boost::asio::awaitable<std::optional<T>> {
    co_return co_await std::move(inner);
  };
  return boost::asio::co_spawn(io, wrapped(std::move(task)), boost::asio::use_future);
}

// Runs one coroutine to completion on `io`, on the calling thread, and returns its value.
template <typename T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  auto result = spawn(io, std::move(task));
  io.restart();
  io.run();
  return std::move(*result.get());
}

// Polls `condition` until it holds or `limit` passes; returns whether it held.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace portico::test
