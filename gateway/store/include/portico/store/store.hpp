#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "portico/core/clock.hpp"
#include "portico/core/result.hpp"
#include "portico/store/database.hpp"
#include "portico/store/shared_counter.hpp"

namespace portico::store {

// One numbered schema change. Versions run 1, 2, 3, ... and a released migration never
// changes: add a new one instead.
struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

// The binary's migrations, in order.
const std::vector<Migration>& builtin_migrations();

// Where a database file stands against a list of migrations.
struct SchemaStatus {
  bool exists = false;             // false: the file is not there (every migration is pending)
  int version = 0;                 // the newest recorded migration, 0 when none is
  std::vector<Migration> pending;  // not recorded yet, in order: what Store::open would apply
};

// Reads the migrations recorded in the database at `path` without creating or changing
// anything, for `portico migrate --check`. Throws StoreError as Store::open does for a database
// it would refuse (migrated by a newer binary, or with a different history) or cannot read.
SchemaStatus schema_status(const std::string& path,
                           const std::vector<Migration>& migrations = builtin_migrations());

// Receives the message of every failure the Store answered with "The database failed."
// (SQLite's message or the exception's what()), to be logged. Called on a store thread.
using ErrorSink = std::function<void(std::string_view message)>;

struct StoreOptions {
  std::string path;  // a file; its directory is created when missing
  int readers = 2;
  std::vector<Migration> migrations = builtin_migrations();
  const core::Clock* clock = nullptr;  // stamps schema_migrations.applied_at; system clock if null
  ErrorSink on_error;
};

namespace detail {

enum class Access { write, read };

// A unit of work queued for a store thread; runs with that thread's connection and delivers its
// own result.
class Job {
 public:
  virtual ~Job() = default;
  // Alone: in a transaction of its own (or none), then delivers.
  virtual void run(Database& db, const ErrorSink& on_error) = 0;

  // Group commit: the writer runs the writes queued together in one transaction, each in a
  // savepoint of its own, so one fsync makes them all durable. A job that can share answers
  // true and implements the two calls below instead of being run().
  virtual bool batchable() const { return false; }
  // Inside the batch's open transaction; rolls its own savepoint back when its work fails.
  virtual void run_in_batch(Database& /*db*/, const ErrorSink& /*on_error*/) {}
  // Once the batch ended, committed or not: delivers the result, or database_failed() when the
  // changes the work made were lost with the batch.
  virtual void deliver_batched(bool /*committed*/) {}
};

// Runs `body` in a transaction (BEGIN IMMEDIATE for writes, a read snapshot for reads). Commits
// when it returns true; rolls back when it returns false or throws. True only when committed.
// Exceptions never escape: they are reported to `on_error`.
bool run_in_transaction(Database& db, Access access, const std::function<bool()>& body,
                        const ErrorSink& on_error);

// Runs `body` in a savepoint of the open transaction: releases it when `body` returns true, rolls
// it back when it returns false or throws (reported to `on_error`). True when its changes stay.
bool run_in_savepoint(Database& db, const std::function<bool()>& body, const ErrorSink& on_error);

// What a caller sees when SQLite or the work failed: the details go to the ErrorSink only.
core::Error database_failed();

template <typename T>
core::Result<T> run_work(Database& db, Access access,
                         const std::function<core::Result<T>(Database&)>& work,
                         const ErrorSink& on_error) {
  std::optional<core::Result<T>> result;
  const bool committed = run_in_transaction(
      db, access,
      [&] {
        result.emplace(work(db));
        return result->ok();
      },
      on_error);
  if (!result.has_value() || (result->ok() && !committed)) return database_failed();
  return std::move(*result);
}

template <typename T, typename Deliver>
class WorkJob final : public Job {
 public:
  WorkJob(Access access, std::function<core::Result<T>(Database&)> work, Deliver deliver)
      : access_(access), work_(std::move(work)), deliver_(std::move(deliver)) {}
  void run(Database& db, const ErrorSink& on_error) override {
    deliver_(run_work<T>(db, access_, work_, on_error));
  }

  bool batchable() const override { return access_ == Access::write; }
  void run_in_batch(Database& db, const ErrorSink& on_error) override {
    kept_ = run_in_savepoint(
        db,
        [&] {
          result_.emplace(work_(db));
          return result_->ok();
        },
        on_error);
  }
  void deliver_batched(bool committed) override {
    // An error result changed nothing, so it stands whatever became of the batch.
    if (!result_.has_value() || (result_->ok() && !(kept_ && committed))) {
      deliver_(database_failed());
    } else {
      deliver_(std::move(*result_));
    }
  }

 private:
  Access access_;
  std::function<core::Result<T>(Database&)> work_;
  Deliver deliver_;
  std::optional<core::Result<T>> result_;  // set by run_in_batch
  bool kept_ = false;
};

// GCC 12 destroys a temporary whose destructor does something (a lambda capturing a string by
// value, an aggregate) twice when it appears in a co_await expression: a double free. So the
// awaitable write()/read() accept only lvalues or trivially destructible temporaries, such as
// lambdas capturing by reference, which are safe because the caller's frame outlives the work.
template <typename Work>
inline constexpr bool kSafeInCoAwait =
    std::is_lvalue_reference_v<Work> || std::is_trivially_destructible_v<std::remove_cvref_t<Work>>;

}  // namespace detail

// The database: one writer thread (the only connection that writes, so transactions never
// wait on each other) and a few reader threads, each with its own read-only connection. Work
// runs on those threads, never on the caller's, so network threads never block on SQLite.
// Writes queued while the writer was busy commit together (group commit): each in its own
// savepoint, so one failing changes nothing of the others, and each answered only once the
// shared COMMIT is durable (synchronous=FULL).
// Destroy the Store only after every caller has stopped submitting work.
class Store {
 public:
  template <typename T>
  using Job = std::function<core::Result<T>(Database&)>;

  // Opens (creating the file and its directory), applies pending migrations each in its own
  // transaction and records them in `schema_migrations(version, name, applied_at)`; refuses
  // (throws StoreError) a database whose recorded version is newer than the binary knows or
  // whose recorded migration names differ from the binary's. Start-up only.
  static std::unique_ptr<Store> open(StoreOptions options);
  ~Store();  // runs every queued job, then joins the threads
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs `work` on the writer thread inside BEGIN IMMEDIATE ... COMMIT; an error Result or an
  // exception rolls back (an exception or a SQLite failure answers database_failed()). The
  // calling coroutine resumes on its own executor.
  //
  // Capture by reference (the coroutine's locals outlive the co_await) or pass a named
  // function object: see detail::kSafeInCoAwait for why a temporary closure that owns
  // strings is refused at compile time.
  template <typename T, typename Work>
  boost::asio::awaitable<core::Result<T>> write(Work&& work) {
    static_assert(detail::kSafeInCoAwait<Work>,
                  "capture by reference or pass a named object (see kSafeInCoAwait)");
    return submit<T>(detail::Access::write, Job<T>(std::forward<Work>(work)));
  }
  // Runs `work` on a reader thread, on its read-only connection, inside one read transaction
  // (every statement sees the same snapshot).
  template <typename T, typename Work>
  boost::asio::awaitable<core::Result<T>> read(Work&& work) {
    static_assert(detail::kSafeInCoAwait<Work>,
                  "capture by reference or pass a named object (see kSafeInCoAwait)");
    return submit<T>(detail::Access::read, Job<T>(std::forward<Work>(work)));
  }

  // Runs a read on the calling thread, on a read-only connection that thread opens for this
  // store on first use, inside one read transaction. For point reads on hot paths (the API key
  // of every request), where the two thread hops of read() cost more than the read itself: a
  // WAL reader never waits for the writer, and this one never waits at all (no busy timeout),
  // so nullopt when SQLite is busy (a recovery, a checkpoint reset): then queue it with read().
  template <typename T, typename Work>
  std::optional<core::Result<T>> read_here(Work& work) {
    std::optional<core::Result<T>> result;
    const HereOutcome outcome = run_here([&](Database& db) {
      result.emplace(work(db));
      return result->ok();
    });
    if (outcome == HereOutcome::busy) return std::nullopt;
    if (outcome == HereOutcome::failed || !result.has_value()) {
      return core::Result<T>(detail::database_failed());
    }
    return result;
  }

  // read_here, else (busy) read(): for the point reads of hot paths.
  template <typename T, typename Work>
  boost::asio::awaitable<core::Result<T>> read_point(Work& work) {
    if (auto here = read_here<T>(work)) co_return std::move(*here);
    co_return co_await read<T>(work);
  }

  // Blocking versions for the CLI and start-up: they wait for the store thread, so never call
  // them on a network thread. Called on a store thread (inside other work) they would wait for
  // themselves, so they answer database_failed() instead.
  template <typename T>
  core::Result<T> write_now(std::function<core::Result<T>(Database&)> work) {
    return run_now<T>(detail::Access::write, std::move(work));
  }
  template <typename T>
  core::Result<T> read_now(std::function<core::Result<T>(Database&)> work) {
    return run_now<T>(detail::Access::read, std::move(work));
  }

  // Called on the writer thread after each committed write that queued webhook deliveries
  // (Database::note_outbox_changed). Set it before any work is submitted; it must not block.
  void set_outbox_listener(std::function<void()> listener);

  // Counts the API-key revocations committed by any process on this database (the file
  // `<path>-revocations`), so a gateway's cache of valid keys sees one made by the CLI on its
  // next request. Add one only after the revocation is committed.
  SharedCounter& key_revocations() { return key_revocations_; }
  // Count the committed writes of any process on this database that changed the `objects`
  // (domains, certificates, ...) or the `dns_records` table (slots 0 and 1 of the file
  // `<path>-changes`), each counted before the write is answered. A cache of those rows keeps
  // an entry while the count it was read under stays the same.
  const SharedCounter& object_writes() const { return object_writes_; }
  const SharedCounter& dns_record_writes() const { return dns_record_writes_; }

  // The newest migration version, applied at open.
  int schema_version() const { return schema_version_; }
  // The versions this open applied, in order; empty when the database was up to date.
  const std::vector<int>& applied_at_open() const { return applied_at_open_; }

  // A SELECT 1 queued on the writer's thread, for /admin/health: false when it fails or does
  // not answer within `timeout` (a stuck writer). Blocks the caller for at most `timeout`.
  bool healthy(std::chrono::milliseconds timeout = std::chrono::seconds(1));

 private:
  class Worker;

  Store(std::string path, Database writer, std::vector<Database> readers, int schema_version,
        std::vector<int> applied_at_open, ErrorSink on_error);

  enum class HereOutcome { done, busy, failed };
  HereOutcome run_here(const std::function<bool(Database&)>& body);

  // Queues on the writer, or on the reader with the fewest jobs waiting.
  void enqueue(detail::Access access, std::unique_ptr<detail::Job> job);
  bool on_store_thread() const;
  void report(std::string_view message) const;

  template <typename T>
  boost::asio::awaitable<core::Result<T>> submit(detail::Access access,
                                                 std::function<core::Result<T>(Database&)> work) {
    // async_initiate rather than co_spawn: co_spawn would need T default-constructible.
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                       void(core::Result<T>)>(
        [this, access](auto handler, std::function<core::Result<T>(Database&)> queued) {
          // The guard keeps the caller's executor alive until the result is delivered.
          auto guard = boost::asio::make_work_guard(handler);
          auto deliver = [handler = std::move(handler),
                          guard = std::move(guard)](core::Result<T> result) mutable {
            boost::asio::dispatch(guard.get_executor(), [handler = std::move(handler),
                                                         result = std::move(result)]() mutable {
              std::move(handler)(std::move(result));
            });
          };
          enqueue(access, std::make_unique<detail::WorkJob<T, decltype(deliver)>>(
                              access, std::move(queued), std::move(deliver)));
        },
        boost::asio::use_awaitable, std::move(work));
  }

  template <typename T>
  core::Result<T> run_now(detail::Access access, std::function<core::Result<T>(Database&)> work) {
    if (on_store_thread()) {
      report("write_now/read_now called on a store thread; it would wait for itself");
      return detail::database_failed();
    }
    std::promise<core::Result<T>> promise;
    std::future<core::Result<T>> future = promise.get_future();
    // The promise moves into the job: it must outlive set_value, which the waiter cannot know.
    auto deliver = [promise = std::move(promise)](core::Result<T> result) mutable {
      promise.set_value(std::move(result));
    };
    enqueue(access, std::make_unique<detail::WorkJob<T, decltype(deliver)>>(access, std::move(work),
                                                                            std::move(deliver)));
    return future.get();
  }

  std::string path_;
  std::uint64_t id_;  // tells this store's thread-local connections from an earlier store's
  SharedCounter key_revocations_;
  SharedCounter object_writes_;
  SharedCounter dns_record_writes_;
  ErrorSink on_error_;
  int schema_version_;
  std::vector<int> applied_at_open_;
  std::unique_ptr<Worker> writer_;
  std::vector<std::unique_ptr<Worker>> readers_;
};

}  // namespace portico::store
