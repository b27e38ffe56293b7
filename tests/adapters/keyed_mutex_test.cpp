#include "portico/adapters/keyed_mutex.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

namespace portico::adapters {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

asio::awaitable<void> pause(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

TEST(KeyedMutexTest, LocksAndForgetsTheKeyOnRelease) {
  asio::io_context io;
  KeyedMutex mutex;
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<bool> {
        {
          auto guard = co_await mutex.lock("example.com");
          EXPECT_TRUE(guard.owns_lock());
          EXPECT_EQ(mutex.active_keys(), 1U);
        }
        EXPECT_EQ(mutex.active_keys(), 0U);
        auto again = co_await mutex.lock("example.com");
        co_return again.owns_lock();
      },
      asio::use_future);
  io.run();
  EXPECT_TRUE(done.get());
  EXPECT_EQ(mutex.active_keys(), 0U);
}

// Many coroutines on two threads change one key's value with a suspension in the middle of
// each read-modify-write; with the lock none is lost and at most one is ever inside.
TEST(KeyedMutexTest, SerializesReadModifyWritesAcrossThreads) {
  asio::io_context io;
  KeyedMutex mutex;
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  int value = 0;  // guarded by the keyed mutex only

  std::vector<std::future<void>> tasks;
  for (int i = 0; i < 40; ++i) {
    tasks.push_back(asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto guard = co_await mutex.lock("zone");
          const int now_inside = ++inside;
          int seen = most_inside.load();
          while (now_inside > seen && !most_inside.compare_exchange_weak(seen, now_inside)) {
          }
          const int read = value;
          co_await pause(1ms);
          value = read + 1;
          --inside;
        },
        asio::use_future));
  }
  std::thread helper([&] { io.run(); });
  io.run();
  helper.join();
  for (auto& task : tasks)
    task.get();

  EXPECT_EQ(value, 40);
  EXPECT_EQ(most_inside.load(), 1);
  EXPECT_EQ(mutex.active_keys(), 0U);
}

TEST(KeyedMutexTest, WaitersAreServedInArrivalOrder) {
  asio::io_context io;
  KeyedMutex mutex;
  std::vector<int> order;
  std::vector<std::future<void>> tasks;
  for (int i = 0; i < 5; ++i) {
    tasks.push_back(asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          auto guard = co_await mutex.lock("zone");
          co_await pause(1ms);
          order.push_back(i);
        },
        asio::use_future));
  }
  io.run();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(KeyedMutexTest, OtherKeysDoNotWait) {
  asio::io_context io;
  KeyedMutex mutex;
  std::vector<std::string> events;
  auto holder = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto guard = co_await mutex.lock("a.com");
        events.push_back("a locked");
        co_await pause(50ms);
        events.push_back("a released");
      },
      asio::use_future);
  auto other = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto guard = co_await mutex.lock("b.com");
        events.push_back("b locked");
      },
      asio::use_future);
  io.run();
  holder.get();
  other.get();
  EXPECT_EQ(events, (std::vector<std::string>{"a locked", "b locked", "a released"}));
}

TEST(KeyedMutexTest, AMovedGuardReleasesOnceAndEarlyReleaseHandsOver) {
  asio::io_context io;
  KeyedMutex mutex;
  std::vector<std::string> events;
  auto first = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto guard = co_await mutex.lock("zone");
        KeyedMutex::Guard moved = std::move(guard);
        EXPECT_FALSE(guard.owns_lock());  // NOLINT: checking the moved-from state
        EXPECT_TRUE(moved.owns_lock());
        co_await pause(5ms);
        moved.release();
        events.push_back("first released");
        co_await pause(20ms);
        events.push_back("first done");
      },
      asio::use_future);
  auto second = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto guard = co_await mutex.lock("zone");
        events.push_back("second locked");
      },
      asio::use_future);
  io.run();
  first.get();
  second.get();
  EXPECT_EQ(events, (std::vector<std::string>{"first released", "second locked", "first done"}));
  EXPECT_EQ(mutex.active_keys(), 0U);
}

}  // namespace
}  // namespace portico::adapters
