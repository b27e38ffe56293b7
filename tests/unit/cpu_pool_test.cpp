// run_on_cpu_pool: the work runs on the pool's thread, the caller resumes on its own.
#include "portico/api/cpu_pool.hpp"

#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

namespace portico::api {
namespace {

namespace asio = boost::asio;

// No default constructor: the helper must not need one.
struct Made {
  explicit Made(std::thread::id made_on) : on(made_on) {}
  std::thread::id on;
};

TEST(CpuPoolTest, WorkRunsOnThePoolAndTheCallerResumesOnItsOwnThread) {
  asio::thread_pool pool(1);
  asio::io_context io;
  std::thread::id made_on;
  std::thread::id resumed_on;
  auto work = [] { return Made(std::this_thread::get_id()); };
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const Made made = co_await run_on_cpu_pool(pool, work);
        made_on = made.on;
        resumed_on = std::this_thread::get_id();
      },
      asio::use_future);
  io.run();  // returns once the coroutine finished
  done.get();
  EXPECT_NE(made_on, std::thread::id());
  EXPECT_NE(made_on, std::this_thread::get_id());
  EXPECT_EQ(resumed_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace portico::api
