#pragma once

#include <type_traits>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace portico::api {

// Runs CPU-heavy `work` (an RSA key pair: some 200 ms) on `pool` instead of a network thread,
// where it would stall every connection that thread serves, and resumes the caller on its own
// executor. `work` is an lvalue: the caller's frame outlives the co_await (see
// store::detail::kSafeInCoAwait for why temporaries are not taken).
template <typename Work>
auto run_on_cpu_pool(boost::asio::thread_pool& pool, Work& work)
    -> boost::asio::awaitable<std::invoke_result_t<Work&>> {
  using Result = std::invoke_result_t<Work&>;
  // async_initiate rather than co_spawn: co_spawn would need Result default-constructible.
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(Result)>(
      [&pool, &work](auto handler) {
        auto guard = boost::asio::make_work_guard(handler);
        boost::asio::post(
            pool, [&work, handler = std::move(handler), guard = std::move(guard)]() mutable {
              Result result = work();
              boost::asio::dispatch(guard.get_executor(), [handler = std::move(handler),
                                                           result = std::move(result)]() mutable {
                std::move(handler)(std::move(result));
              });
            });
      },
      boost::asio::use_awaitable);
}

}  // namespace portico::api
