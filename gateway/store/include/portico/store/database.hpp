#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "portico/core/clock.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace portico::store {

// A failure inside SQLite (or at start-up, a schema the binary refuses). The message is
// SQLite's own, which names tables and constraints but never a bound parameter. The Store's
// executors catch these and answer core::Error::internal, so they never reach a handler.
class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& message, int code = 0)
      : std::runtime_error(message), code_(code) {}
  // SQLite's extended result code (SQLITE_CONSTRAINT_UNIQUE, ...), 0 when not from SQLite.
  int code() const { return code_; }

 private:
  int code_;
};

// Raw bytes for a BLOB column (a std::string_view alone binds TEXT).
struct Blob {
  std::string_view bytes;
};

// Times are stored as unix milliseconds (INTEGER); sub-millisecond parts are dropped.
std::int64_t unix_millis(core::TimePoint at);
core::TimePoint from_unix_millis(std::int64_t millis);

class StatementCache;
struct CachedStatement;
class SharedCounter;
struct TableWatch;

// A prepared statement. Indexes are SQLite's: 1-based for bind, 0-based for columns. One from
// the connection's cache goes back to it, reset, when destroyed.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, Blob blob);
  Statement& bind(int index, std::nullopt_t);
  // NULL when empty.
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, std::nullopt);
  }

  // Advances; true when a row is ready, false when the statement is done.
  bool step();
  // Ready to run again: clears the position and every binding.
  void reset();

  std::int64_t column_int64(int column) const;
  std::string column_text(int column) const;
  std::string column_blob(int column) const;
  bool column_is_null(int column) const;
  std::optional<std::int64_t> column_optional_int64(int column) const;
  std::optional<std::string> column_optional_text(int column) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* statement, CachedStatement* cached = nullptr)
      : db_(db), statement_(statement), cached_(cached) {}
  void check(int rc) const;
  void release();

  sqlite3* db_;
  sqlite3_stmt* statement_;
  CachedStatement* cached_;  // its entry in the connection's cache; null: finalized when destroyed
};

// One SQLite connection. Use it from one thread at a time (the Store gives each of its threads
// its own).
class Database {
 public:
  // Opens `path`, creating the file unless read_only, with the connection settings every Portico
  // connection uses: WAL, synchronous=FULL (a commit survives power loss), foreign keys on and
  // a 5 s busy timeout. Throws StoreError.
  static Database open(const std::string& path, bool read_only);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements without parameters (DDL, PRAGMA, BEGIN/COMMIT).
  void exec(std::string_view sql);
  // COMMIT, then one more on the counter of each watched table the transaction changed.
  void commit();
  // Counts in `counter` every committed transaction of this connection that changed a row of
  // `table`, so caches of that table's rows can tell they may be stale (SQLite's update hook;
  // a change undone by a rollback may count too, which only costs a cache miss). The counter
  // must outlive the connection.
  void watch_table(std::string table, SharedCounter& counter);
  // Compiles one statement, or takes it from the connection's cache: a statement is compiled
  // once per connection and reused (compiling was a fifth of the gateway's CPU on GET /me).
  // Two Statements of the same SQL alive at once are two compilations.
  Statement prepare(std::string_view sql);

  // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  bool in_transaction() const;
  bool read_only() const { return read_only_; }
  // How long a statement waits for a lock before failing with SQLITE_BUSY (5 s from open()).
  void set_busy_timeout(std::chrono::milliseconds timeout);

  // Set by work that queued webhook deliveries. The Store takes it after each transaction and,
  // when the transaction committed, calls its outbox listener, so the dispatcher sends at once.
  void note_outbox_changed() { outbox_changed_ = true; }
  bool take_outbox_changed() { return std::exchange(outbox_changed_, false); }

 private:
  Database(sqlite3* db, bool read_only);

  sqlite3* db_;
  std::unique_ptr<StatementCache> cache_;  // before db_ closes: finalizes what it holds
  std::unique_ptr<TableWatch> watch_;      // on the heap: the update hook keeps its address
  bool read_only_;
  bool outbox_changed_ = false;
};

}  // namespace portico::store
