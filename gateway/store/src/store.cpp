#include "portico/store/store.hpp"

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <sqlite3.h>

namespace portico::store {

namespace detail {

core::Error database_failed() {
  return core::Error::internal("The database failed.");
}

namespace {
void report_to(const ErrorSink& on_error, std::string_view message) {
  if (on_error) on_error(message);
}

void roll_back_if_open(Database& db, const ErrorSink& on_error) {
  // Some failures (I/O, out of memory) already rolled the transaction back inside SQLite.
  try {
    if (db.in_transaction()) db.exec("ROLLBACK");
  } catch (const std::exception& error) {
    report_to(on_error, error.what());
  }
}
}  // namespace

bool run_in_transaction(Database& db, Access access, const std::function<bool()>& body,
                        const ErrorSink& on_error) {
  try {
    roll_back_if_open(db, on_error);  // left open by earlier work that misbehaved
    // IMMEDIATE takes the write lock now, so a write never fails half-way with SQLITE_BUSY.
    db.exec(access == Access::write ? "BEGIN IMMEDIATE" : "BEGIN");
    if (body()) {
      db.commit();
      return true;
    }
  } catch (const std::exception& error) {
    report_to(on_error, error.what());
  } catch (...) {
    report_to(on_error, "unknown exception in store work");
  }
  roll_back_if_open(db, on_error);
  // Deliveries queued by work that was rolled back do not exist: nobody is told of them.
  db.take_outbox_changed();
  return false;
}

bool run_in_savepoint(Database& db, const std::function<bool()>& body, const ErrorSink& on_error) {
  // The outbox flag belongs to the whole batch: what this work adds to it goes if it rolls back.
  const bool outbox_before = db.take_outbox_changed();
  try {
    db.exec("SAVEPOINT job");
    if (body()) {
      db.exec("RELEASE job");
      if (outbox_before) db.note_outbox_changed();
      return true;
    }
  } catch (const std::exception& error) {
    report_to(on_error, error.what());
  } catch (...) {
    report_to(on_error, "unknown exception in store work");
  }
  try {
    // Gone already when SQLite rolled the whole transaction back (I/O error, out of memory).
    if (db.in_transaction()) db.exec("ROLLBACK TO job; RELEASE job");
  } catch (const std::exception& error) {
    report_to(on_error, error.what());
  }
  db.take_outbox_changed();
  if (outbox_before) db.note_outbox_changed();
  return false;
}

}  // namespace detail

// One thread with its own io_context and connection. Jobs run in order; on the writer, the
// batchable ones queued together share one transaction (group commit), at most kMaxBatch at a
// time so that none waits long for the others.
class Store::Worker {
 public:
  static constexpr std::size_t kMaxBatch = 256;

  Worker(Database db, const ErrorSink& on_error, bool group_commit)
      : db_(std::move(db)),
        on_error_(on_error),
        group_commit_(group_commit),
        thread_([this] { io_.run(); }) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker() {
    guard_.reset();  // run() returns once the queue is empty
    thread_.join();
  }

  void post(std::unique_ptr<detail::Job> job) {
    pending_.fetch_add(1, std::memory_order_relaxed);
    bool schedule = false;
    {
      const std::lock_guard lock(queue_mutex_);
      queue_.push_back(std::move(job));
      schedule = !drain_scheduled_;
      drain_scheduled_ = true;
    }
    if (schedule) boost::asio::post(io_, [this] { drain(); });
  }

  // Set on this worker's thread, so it takes effect between two jobs.
  void set_outbox_listener(std::function<void()> listener) {
    boost::asio::post(io_, [this, listener = std::move(listener)]() mutable {
      outbox_listener_ = std::move(listener);
    });
  }

  std::size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  bool running_in_this_thread() const { return guard_.get_executor().running_in_this_thread(); }

 private:
  using Jobs = std::vector<std::unique_ptr<detail::Job>>;

  // Runs everything queued so far; what is queued meanwhile gets the next drain.
  void drain() {
    Jobs jobs;
    {
      const std::lock_guard lock(queue_mutex_);
      jobs.swap(queue_);
      drain_scheduled_ = false;
    }
    for (std::size_t i = 0; i < jobs.size();) {
      std::size_t end = i;
      while (group_commit_ && end < jobs.size() && end - i < kMaxBatch && jobs[end]->batchable())
        ++end;
      if (end == i) {
        run_alone(*jobs[i]);
        ++end;
      } else {
        run_batch(jobs, i, end);
      }
      pending_.fetch_sub(end - i, std::memory_order_relaxed);
      i = end;
    }
  }

  void run_alone(detail::Job& job) {
    try {
      job.run(db_, on_error_);
    } catch (const std::exception& error) {
      // Only delivery can throw here (the work's own failures are values by now).
      detail::report_to(on_error_, error.what());
    }
    tell_outbox_listener();
  }

  // jobs[begin, end) in one transaction. When SQLite loses the transaction half-way (an I/O
  // error rolls it all back), the jobs run so far are answered as failed and the rest start a
  // new one.
  void run_batch(Jobs& jobs, std::size_t begin, std::size_t end) {
    for (std::size_t next = begin; next < end;) {
      const std::size_t first = next;
      bool open = false;
      try {
        detail::roll_back_if_open(db_, on_error_);
        db_.exec("BEGIN IMMEDIATE");
        open = true;
      } catch (const std::exception& error) {
        detail::report_to(on_error_, error.what());
      }
      if (open) {
        while (next < end && db_.in_transaction())
          jobs[next++]->run_in_batch(db_, on_error_);
      } else {
        next = end;  // nothing ran: every job answers database_failed()
      }
      bool committed = false;
      if (open && db_.in_transaction()) {
        try {
          db_.commit();
          committed = true;
        } catch (const std::exception& error) {
          detail::report_to(on_error_, error.what());
          detail::roll_back_if_open(db_, on_error_);
        }
      }
      if (!committed) db_.take_outbox_changed();  // those deliveries do not exist
      for (std::size_t i = first; i < next; ++i) {
        try {
          jobs[i]->deliver_batched(committed);
        } catch (const std::exception& error) {
          detail::report_to(on_error_, error.what());
        }
      }
      tell_outbox_listener();
    }
  }
  // run_in_transaction clears the flag of work it rolled back, so a flag still set after a
  // job means its transaction committed deliveries.
  void tell_outbox_listener() {
    if (!db_.take_outbox_changed() || !outbox_listener_) return;
    try {
      outbox_listener_();
    } catch (const std::exception& error) {
      detail::report_to(on_error_, error.what());
    }
  }

  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  Database db_;
  const ErrorSink& on_error_;
  const bool group_commit_;
  std::mutex queue_mutex_;
  Jobs queue_;                    // guarded by queue_mutex_
  bool drain_scheduled_ = false;  // guarded by queue_mutex_
  std::atomic<std::size_t> pending_{0};
  std::function<void()> outbox_listener_;  // only ever touched on thread_
  std::thread thread_;                     // last: starts once everything above exists
};

namespace {

// The binary's own list must be 1, 2, 3, ... with names.
void check_migration_list(const std::vector<Migration>& migrations) {
  int expected = 1;
  for (const Migration& migration : migrations) {
    if (migration.version != expected) {
      throw StoreError("migration versions must run 1, 2, 3, ...; found " +
                       std::to_string(migration.version) + " where " + std::to_string(expected) +
                       " belongs");
    }
    if (migration.name.empty()) {
      throw StoreError("migration " + std::to_string(migration.version) + " has no name");
    }
    ++expected;
  }
}

// Refuses a database that a newer binary migrated, or whose history differs from ours; else
// the versions it records.
std::set<std::int64_t> check_recorded(Database& db, const std::vector<Migration>& migrations) {
  std::map<std::int64_t, const Migration*> known;
  for (const Migration& migration : migrations)
    known[migration.version] = &migration;
  const std::int64_t newest = migrations.empty() ? 0 : migrations.back().version;

  std::set<std::int64_t> versions;
  Statement recorded = db.prepare("SELECT version, name FROM schema_migrations ORDER BY version");
  while (recorded.step()) {
    const std::int64_t version = recorded.column_int64(0);
    const std::string name = recorded.column_text(1);
    if (version > newest) {
      throw StoreError("the database is at schema version " + std::to_string(version) +
                       " but this binary knows only up to " + std::to_string(newest) +
                       "; run a newer binary");
    }
    const auto found = known.find(version);
    if (found == known.end() || found->second->name != name) {
      throw StoreError("the database records migration " + std::to_string(version) + " as '" +
                       name + "' but this binary has '" +
                       (found == known.end() ? std::string() : found->second->name) +
                       "'; it was migrated by a different build");
    }
    versions.insert(version);
  }
  return versions;
}

struct Migrated {
  int version = 0;
  std::vector<int> applied;
};

Migrated migrate(Database& db, const std::vector<Migration>& migrations, const core::Clock& clock) {
  Migrated migrated;
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations("
      "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  check_recorded(db, migrations);
  for (const Migration& migration : migrations) {
    try {
      db.exec("BEGIN IMMEDIATE");
      // Checked inside the transaction: another process may have applied it meanwhile.
      bool applied = false;
      {
        Statement find = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
        find.bind(1, std::int64_t{migration.version});
        applied = find.step();
      }
      if (!applied) {
        db.exec(migration.sql);
        Statement record =
            db.prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES(?, ?, ?)");
        record.bind(1, std::int64_t{migration.version})
            .bind(2, migration.name)
            .bind(3, unix_millis(clock.now()));
        record.step();
      }
      db.exec("COMMIT");
      if (!applied) migrated.applied.push_back(migration.version);
    } catch (const StoreError& error) {
      if (db.in_transaction()) db.exec("ROLLBACK");
      throw StoreError("migration " + std::to_string(migration.version) + " (" + migration.name +
                           ") failed: " + error.what(),
                       error.code());
    }
  }
  migrated.version = migrations.empty() ? 0 : migrations.back().version;
  return migrated;
}

}  // namespace

SchemaStatus schema_status(const std::string& path, const std::vector<Migration>& migrations) {
  check_migration_list(migrations);
  SchemaStatus status;
  std::error_code error;
  status.exists = std::filesystem::exists(path, error);
  if (error) throw StoreError("cannot read " + path + ": " + error.message());
  std::set<std::int64_t> recorded;
  if (status.exists) {
    // Read-only, so that checking never creates a table nor takes the write lock from a
    // gateway that runs on this file.
    Database db = Database::open(path, /*read_only=*/true);
    db.exec("BEGIN");  // one snapshot for both reads
    Statement table = db.prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    if (table.step()) recorded = check_recorded(db, migrations);
    db.exec("COMMIT");
  }
  if (!recorded.empty()) status.version = static_cast<int>(*recorded.rbegin());
  for (const Migration& migration : migrations) {
    if (!recorded.contains(migration.version)) status.pending.push_back(migration);
  }
  return status;
}

std::unique_ptr<Store> Store::open(StoreOptions options) {
  check_migration_list(options.migrations);
  if (options.readers < 1) throw StoreError("a store needs at least one reader");
  if (options.path.empty() || options.path == ":memory:" || options.path.starts_with("file:")) {
    throw StoreError("the store needs a database file path");
  }
  const std::filesystem::path file(options.path);
  if (file.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    if (error) {
      throw StoreError("cannot create the directory " + file.parent_path().string() + ": " +
                       error.message());
    }
  }

  const core::SystemClock system_clock;
  const core::Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  Database writer = Database::open(options.path, false);
  Migrated migrated = migrate(writer, options.migrations, clock);
  std::vector<Database> readers;
  readers.reserve(static_cast<std::size_t>(options.readers));
  for (int i = 0; i < options.readers; ++i)
    readers.push_back(Database::open(options.path, true));
  return std::unique_ptr<Store>(new Store(options.path, std::move(writer), std::move(readers),
                                          migrated.version, std::move(migrated.applied),
                                          std::move(options.on_error)));
}

namespace {
std::atomic<std::uint64_t> next_store_id{1};
}  // namespace

Store::Store(std::string path, Database writer, std::vector<Database> readers, int schema_version,
             std::vector<int> applied_at_open, ErrorSink on_error)
    : path_(std::move(path)),
      id_(next_store_id.fetch_add(1)),
      key_revocations_(path_ + "-revocations"),
      object_writes_(path_ + "-changes", 0),
      dns_record_writes_(path_ + "-changes", 1),
      on_error_(std::move(on_error)),
      schema_version_(schema_version),
      applied_at_open_(std::move(applied_at_open)),
      writer_(nullptr) {
  writer.watch_table("objects", object_writes_);
  writer.watch_table("dns_records", dns_record_writes_);
  writer_ = std::make_unique<Worker>(std::move(writer), on_error_, /*group_commit=*/true);
  for (Database& reader : readers) {
    readers_.push_back(
        std::make_unique<Worker>(std::move(reader), on_error_, /*group_commit=*/false));
  }
}

Store::~Store() {
  // Readers first: nothing they run depends on the writer.
  readers_.clear();
  writer_.reset();
}

void Store::enqueue(detail::Access access, std::unique_ptr<detail::Job> job) {
  if (access == detail::Access::write) {
    writer_->post(std::move(job));
    return;
  }
  Worker* least_busy = readers_.front().get();
  for (const auto& reader : readers_) {
    if (reader->pending() < least_busy->pending()) least_busy = reader.get();
  }
  least_busy->post(std::move(job));
}

Store::HereOutcome Store::run_here(const std::function<bool(Database&)>& body) {
  // One connection per thread and store; a store's id is never reused, so a connection of a
  // destroyed store is never taken for a new one at the same address.
  thread_local std::unordered_map<std::uint64_t, Database> connections;
  auto found = connections.find(id_);
  try {
    if (found == connections.end()) {
      Database db = Database::open(path_, /*read_only=*/true);
      db.set_busy_timeout(std::chrono::milliseconds(0));
      found = connections.emplace(id_, std::move(db)).first;
    }
    Database& db = found->second;
    detail::roll_back_if_open(db, on_error_);
    db.exec("BEGIN");
    body(db);
    db.exec("COMMIT");
    return HereOutcome::done;
  } catch (const StoreError& error) {
    if (found != connections.end()) detail::roll_back_if_open(found->second, on_error_);
    if ((error.code() & 0xff) == SQLITE_BUSY) return HereOutcome::busy;
    report(error.what());
  } catch (const std::exception& error) {
    if (found != connections.end()) detail::roll_back_if_open(found->second, on_error_);
    report(error.what());
  }
  return HereOutcome::failed;
}

void Store::set_outbox_listener(std::function<void()> listener) {
  writer_->set_outbox_listener(std::move(listener));
}

bool Store::on_store_thread() const {
  if (writer_->running_in_this_thread()) return true;
  for (const auto& reader : readers_) {
    if (reader->running_in_this_thread()) return true;
  }
  return false;
}

void Store::report(std::string_view message) const {
  detail::report_to(on_error_, message);
}

namespace {
class HealthJob final : public detail::Job {
 public:
  explicit HealthJob(std::shared_ptr<std::promise<bool>> answer) : answer_(std::move(answer)) {}
  void run(Database& db, const ErrorSink& on_error) override {
    bool ok = false;
    try {
      Statement probe = db.prepare("SELECT 1");
      ok = probe.step() && probe.column_int64(0) == 1;
    } catch (const std::exception& error) {
      detail::report_to(on_error, error.what());
    }
    answer_->set_value(ok);
  }

 private:
  std::shared_ptr<std::promise<bool>> answer_;  // shared: the caller may stop waiting first
};
}  // namespace

bool Store::healthy(std::chrono::milliseconds timeout) {
  if (on_store_thread()) return false;
  auto answer = std::make_shared<std::promise<bool>>();
  std::future<bool> future = answer->get_future();
  writer_->post(std::make_unique<HealthJob>(answer));
  if (future.wait_for(timeout) != std::future_status::ready) return false;
  return future.get();
}

}  // namespace portico::store
