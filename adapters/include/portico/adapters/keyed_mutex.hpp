#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace portico::adapters {

// An asynchronous mutex per key for coroutines: lock(key) suspends, without blocking a thread,
// until every earlier holder of that key has released it, then resumes on the waiter's own
// executor. Waiters are served first come, first served. Used where a supplier keeps a set as
// one value (a DNS zone saved whole), so two read-modify-writes of one key never interleave.
//
// Thread-safe: lock() and the guards' release may run on any thread. The mutex must outlive
// every guard and every pending lock(). A pending lock() is not cancellable; holders are
// expected to release within a bounded time (their supplier calls have deadlines).
class KeyedMutex {
 public:
  // Holds one key until destroyed (or release()d); movable, not copyable.
  class [[nodiscard]] Guard {
   public:
    Guard() = default;
    Guard(Guard&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), key_(std::move(other.key_)) {}
    Guard& operator=(Guard&& other) noexcept {
      if (this != &other) {
        release();
        owner_ = std::exchange(other.owner_, nullptr);
        key_ = std::move(other.key_);
      }
      return *this;
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() { release(); }

    bool owns_lock() const { return owner_ != nullptr; }
    void release() {
      if (auto* owner = std::exchange(owner_, nullptr)) owner->unlock(key_);
    }

   private:
    friend class KeyedMutex;
    Guard(KeyedMutex* owner, std::string key) : owner_(owner), key_(std::move(key)) {}

    KeyedMutex* owner_ = nullptr;
    std::string key_;
  };

  KeyedMutex() = default;
  KeyedMutex(const KeyedMutex&) = delete;
  KeyedMutex& operator=(const KeyedMutex&) = delete;

  boost::asio::awaitable<Guard> lock(std::string key) {
    co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void()>(
        [this, &key](auto handler) {
          boost::asio::any_io_executor executor = boost::asio::get_associated_executor(handler);
          enqueue(key, Waiter{std::move(executor), std::move(handler)});
        },
        boost::asio::use_awaitable);
    co_return Guard(this, std::move(key));
  }

  // How many keys are held or awaited right now (for tests: entries never leak).
  std::size_t active_keys() const {
    std::lock_guard lock(mutex_);
    return keys_.size();
  }

 private:
  // The executor is kept apart: any_completion_handler's own one cannot be posted to in 1.81.
  struct Waiter {
    boost::asio::any_io_executor executor;
    boost::asio::any_completion_handler<void()> handler;
  };
  struct State {
    std::deque<Waiter> waiters;  // the holder is not in here
  };

  void enqueue(const std::string& key, Waiter waiter) {
    {
      std::lock_guard lock(mutex_);
      auto [entry, inserted] = keys_.try_emplace(key);
      if (!inserted) {
        entry->second.waiters.push_back(std::move(waiter));
        return;
      }
    }
    // Free: resume at once, but through the waiter's executor, never inside this call.
    resume(std::move(waiter));
  }

  // Hands the key straight to the next waiter, so no later lock() can overtake it.
  void unlock(const std::string& key) {
    std::optional<Waiter> next;
    {
      std::lock_guard lock(mutex_);
      const auto entry = keys_.find(key);
      if (entry == keys_.end()) return;
      auto& waiters = entry->second.waiters;
      if (waiters.empty()) {
        keys_.erase(entry);
        return;
      }
      next = std::move(waiters.front());
      waiters.pop_front();
    }
    resume(std::move(*next));
  }

  static void resume(Waiter waiter) {
    boost::asio::post(waiter.executor,
                      [handler = std::move(waiter.handler)]() mutable { std::move(handler)(); });
  }

  mutable std::mutex mutex_;
  std::map<std::string, State, std::less<>> keys_;
};

}  // namespace portico::adapters
