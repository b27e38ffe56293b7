// write()/read() from coroutines: they run on the store's threads and resume on the caller's.
#include <algorithm>
#include <atomic>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "portico/store/audit_writer.hpp"
#include "portico/store/repositories.hpp"
#include "portico/store/store.hpp"

#include "support/temp_dir.hpp"

namespace portico::store {
namespace {

namespace asio = boost::asio;
using portico::testing::TempDir;

const core::TimePoint kStart = core::from_unix_seconds(1'700'000'000);

// An io_context run by several threads, like the server's.
class ThreadPool {
 public:
  explicit ThreadPool(int threads) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this] { io_.run(); });
  }
  ~ThreadPool() {
    guard_.reset();
    for (auto& thread : threads_)
      thread.join();
  }
  asio::io_context& io() { return io_; }
  bool is_pool_thread(std::thread::id id) const {
    return std::any_of(threads_.begin(), threads_.end(),
                       [id](const std::thread& thread) { return thread.get_id() == id; });
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
  std::vector<std::thread> threads_;
};

// No default constructor: the store must not need one (co_spawn would).
struct Named {
  explicit Named(std::string value) : name(std::move(value)) {}
  std::string name;
};

std::unique_ptr<Store> open_store(const TempDir& dir) {
  StoreOptions options;
  options.path = dir.file("async.db");
  return Store::open(std::move(options));
}

std::int64_t count_partners(Store& store) {
  auto result = store.read_now<std::int64_t>([](Database& db) -> core::Result<std::int64_t> {
    Statement query = db.prepare("SELECT COUNT(*) FROM partners");
    query.step();
    return query.column_int64(0);
  });
  return result.ok() ? result.value() : -1;
}

// Keeps the store's writer busy with a write that waits until release(), so that the writes
// submitted meanwhile queue up behind it.
class WriterHold {
 public:
  explicit WriterHold(Store& store)
      : thread_([this, &store] {
          auto result = store.write_now<core::Ok>([this](Database&) -> core::Result<core::Ok> {
            started_.set_value();
            released_.wait();
            return core::Ok{};
          });
          EXPECT_TRUE(result.ok());
        }) {
    started_.get_future().wait();
  }
  WriterHold(const WriterHold&) = delete;
  WriterHold& operator=(const WriterHold&) = delete;
  ~WriterHold() {
    if (thread_.joinable()) release();
  }
  void release() {
    release_.set_value();
    thread_.join();
  }

 private:
  std::promise<void> started_;
  std::promise<void> release_;
  std::future<void> released_ = release_.get_future();
  std::thread thread_;  // last: starts once the promises exist
};

// The guard against GCC 12's double destruction of temporaries in co_await expressions.
struct OwningWork {
  std::string id;
  core::Result<int> operator()(Database&) const { return 1; }
};
static_assert(!detail::kSafeInCoAwait<OwningWork>);  // a temporary that owns a string
static_assert(detail::kSafeInCoAwait<OwningWork&>);  // a named one
static_assert(detail::kSafeInCoAwait<const OwningWork&>);
static_assert(detail::kSafeInCoAwait<decltype([](Database&) -> core::Result<int> { return 1; })>);

TEST(StoreAsyncTest, WorkRunsOffTheCallersThreadsAndResumesOnItsStrand) {
  TempDir dir;
  auto store = open_store(dir);
  ThreadPool pool(3);
  auto strand = asio::make_strand(pool.io());

  struct Observed {
    bool write_ran_on_strand = true;
    bool write_ran_on_pool = true;
    bool read_ran_on_pool = true;
    bool resumed_on_strand_after_write = false;
    bool resumed_on_strand_after_read = false;
    std::string read_name;
  } seen;

  auto coroutine = [&]() -> asio::awaitable<void> {
    auto written = co_await store->write<Named>([&](Database& db) -> core::Result<Named> {
      seen.write_ran_on_strand = strand.running_in_this_thread();
      seen.write_ran_on_pool = pool.is_pool_thread(std::this_thread::get_id());
      partners::insert(db, {"ptn_1", "Acme", kStart});
      return Named("Acme");
    });
    seen.resumed_on_strand_after_write = strand.running_in_this_thread();
    EXPECT_TRUE(written.ok());

    auto found = co_await store->read<Named>([&](Database& db) -> core::Result<Named> {
      seen.read_ran_on_pool = pool.is_pool_thread(std::this_thread::get_id());
      auto partner = partners::find_by_id(db, "ptn_1");
      if (!partner) return core::Error::not_found("No such partner.");
      return Named(partner->name);
    });
    seen.resumed_on_strand_after_read = strand.running_in_this_thread();
    if (found.ok()) seen.read_name = found.value().name;
  };
  asio::co_spawn(strand, coroutine, asio::use_future).get();

  EXPECT_FALSE(seen.write_ran_on_strand);
  EXPECT_FALSE(seen.write_ran_on_pool);
  EXPECT_FALSE(seen.read_ran_on_pool);
  EXPECT_TRUE(seen.resumed_on_strand_after_write);
  EXPECT_TRUE(seen.resumed_on_strand_after_read);
  EXPECT_EQ(seen.read_name, "Acme");
}

TEST(StoreAsyncTest, ErrorsComeBackAsValuesToTheCoroutine) {
  TempDir dir;
  auto store = open_store(dir);
  ThreadPool pool(2);
  std::string thrown_message;
  std::string error_code;
  auto coroutine = [&]() -> asio::awaitable<void> {
    auto thrown = co_await store->write<int>([](Database& db) -> core::Result<int> {
      partners::insert(db, {"ptn_1", "Acme", kStart});
      throw std::runtime_error("boom");
    });
    if (!thrown.ok()) thrown_message = thrown.error().message;
    auto refused = co_await store->read<int>(
        [](Database&) -> core::Result<int> { return core::Error::not_found("Nope."); });
    if (!refused.ok()) error_code = refused.error().code;
    // A named function object that owns its state is accepted (copied into the job).
    const OwningWork named{"ptn_1"};
    auto counted = co_await store->read<int>(named);
    if (!counted.ok() || counted.value() != 1) error_code = "named work failed";
  };
  asio::co_spawn(pool.io(), coroutine, asio::use_future).get();
  EXPECT_EQ(thrown_message, "The database failed.");
  EXPECT_EQ(error_code, "not_found");
  EXPECT_EQ(count_partners(*store), 0);
}

TEST(StoreAsyncTest, ConcurrentWritesFromManyCoroutinesAllLand) {
  TempDir dir;
  auto store = open_store(dir);
  ThreadPool pool(4);
  constexpr int kCoroutines = 120;
  std::atomic<int> succeeded{0};
  std::atomic<int> reads_ok{0};
  std::vector<std::future<void>> done;
  for (int i = 0; i < kCoroutines; ++i) {
    auto coroutine = [&, i]() -> asio::awaitable<void> {
      const std::string id = "ptn_" + std::to_string(i);
      auto written = co_await store->write<bool>([&id](Database& db) -> core::Result<bool> {
        return partners::insert(db, {id, "name-" + id, kStart});
      });
      if (written.ok() && written.value()) ++succeeded;
      auto found = co_await store->read<bool>([&id](Database& db) -> core::Result<bool> {
        return partners::find_by_id(db, id).has_value();
      });
      if (found.ok() && found.value()) ++reads_ok;  // a read after its write sees it
    };
    // Passed, not called: co_spawn keeps the lambda (and its captures) alive in its frame.
    done.push_back(asio::co_spawn(pool.io(), coroutine, asio::use_future));
  }
  for (auto& future : done)
    future.get();
  EXPECT_EQ(succeeded.load(), kCoroutines);
  EXPECT_EQ(reads_ok.load(), kCoroutines);
  EXPECT_EQ(count_partners(*store), kCoroutines);
}

TEST(StoreAsyncTest, DestroyingTheStoreRunsEveryQueuedWrite) {
  TempDir dir;
  auto store = open_store(dir);
  WriterHold hold(*store);  // the coroutines' writes queue up behind it

  asio::io_context io;
  constexpr int kWrites = 20;
  int delivered = 0;
  for (int i = 0; i < kWrites; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          const std::string id = "ptn_" + std::to_string(i);
          auto written = co_await store->write<bool>([&id](Database& db) -> core::Result<bool> {
            return partners::insert(db, {id, id, kStart});
          });
          if (written.ok()) ++delivered;
        },
        asio::detached);
  }
  io.poll();  // every coroutine runs up to its co_await: all writes are queued
  EXPECT_EQ(delivered, 0);

  hold.release();
  store.reset();  // must drain the queue, not drop it
  io.run();       // the results were delivered to our executor
  EXPECT_EQ(delivered, kWrites);

  auto reopened = open_store(dir);
  EXPECT_EQ(count_partners(*reopened), kWrites);
}

// Group commit: writes queued behind a busy writer share one transaction, each in a savepoint,
// so a failing one changes nothing of the others and every one is answered after the COMMIT.
TEST(StoreAsyncTest, QueuedWritesCommitTogetherAndFailAlone) {
  TempDir dir;
  auto store = open_store(dir);
  WriterHold hold(*store);

  // What another connection sees while the last write of the batch runs: none of the batch yet.
  Database outside = Database::open(dir.file("async.db"), /*read_only=*/true);
  std::int64_t seen_outside = -1;
  constexpr int kWrites = 40;
  std::vector<std::string> answers(kWrites);
  asio::io_context io;
  for (int i = 0; i < kWrites; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          const std::string id = "ptn_" + std::to_string(i);
          auto written =
              co_await store->write<core::Ok>([&](Database& db) -> core::Result<core::Ok> {
                partners::insert(db, {id, id, kStart});
                if (i % 10 == 3) return core::Error::conflict("name_taken", "refused by the work");
                if (i % 10 == 6) throw std::runtime_error("work blew up");
                if (i % 10 == 9) {  // a SQLite failure half-way: a key of an unknown partner
                  api_keys::insert(db, {"key_" + id, "ptn_unknown", "pk_", "h", true, kStart, {}});
                }
                if (i == kWrites - 2) {
                  Statement count = outside.prepare("SELECT COUNT(*) FROM partners");
                  count.step();
                  seen_outside = count.column_int64(0);
                }
                return core::Ok{};
              });
          answers[i] = written.ok() ? "ok" : written.error().code + ": " + written.error().message;
        },
        asio::detached);
  }
  io.poll();  // all forty are queued behind the held write
  hold.release();
  io.run();

  EXPECT_EQ(seen_outside, 0);  // one transaction: nothing of it was visible before its COMMIT
  int landed = 0;
  for (int i = 0; i < kWrites; ++i) {
    SCOPED_TRACE(i);
    if (i % 10 == 3) {
      EXPECT_EQ(answers[i], "name_taken: refused by the work");
    } else if (i % 10 == 6 || i % 10 == 9) {
      EXPECT_EQ(answers[i], "internal_error: The database failed.");
    } else {
      EXPECT_EQ(answers[i], "ok");
      ++landed;
    }
  }
  EXPECT_EQ(count_partners(*store), landed);
  auto ids = store->read_now<std::vector<std::string>>(
      [](Database& db) -> core::Result<std::vector<std::string>> {
        std::vector<std::string> found;
        Statement query = db.prepare("SELECT id FROM partners ORDER BY id");
        while (query.step())
          found.push_back(query.column_text(0));
        return found;
      });
  ASSERT_TRUE(ids.ok());
  for (const std::string& id : ids.value()) {
    const int i = std::stoi(id.substr(4));
    EXPECT_TRUE(i % 10 != 3 && i % 10 != 6 && i % 10 != 9) << id << " should have been rolled back";
  }
}

// The audit trail's batches: every entry lands, those appended while a write is in flight go
// with the next one, and what is still queued when the executor stopped is written by write_now.
TEST(StoreAsyncTest, AuditEntriesAllLandInBatches) {
  TempDir dir;
  auto store = open_store(dir);
  const auto entry = [](int i) {
    return AuditEntry{.at = kStart,
                      .request_id = "req_" + std::to_string(i % 3),
                      .partner_id = {},
                      .actor = "supplier:test",
                      .action = "supplier.call",
                      .target = "GET /" + std::to_string(i),
                      .detail_json = "{}"};
  };
  std::size_t lost = 0;
  asio::io_context io;
  AuditWriter audit(*store, io.get_executor(), [&](std::size_t n) { lost += n; });
  constexpr int kAppenders = 4;
  std::vector<std::thread> appenders;
  appenders.reserve(kAppenders);
  for (int t = 0; t < kAppenders; ++t) {
    appenders.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        audit.append(entry(t * 50 + i));
    });
  }
  for (auto& appender : appenders)
    appender.join();
  io.run();                  // the drain started by the first append writes them all, then returns
  asio::io_context stopped;  // never run: nothing drains, write_now must
  AuditWriter late(*store, stopped.get_executor(), [&](std::size_t n) { lost += n; });
  late.append(entry(200));
  late.append(entry(201));
  late.write_now();

  EXPECT_EQ(lost, 0u);
  auto counted = store->read_now<std::int64_t>([](Database& db) -> core::Result<std::int64_t> {
    Statement query = db.prepare("SELECT COUNT(DISTINCT target) FROM audit_log");
    query.step();
    return query.column_int64(0);
  });
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted.value(), 202);
}

}  // namespace
}  // namespace portico::store
