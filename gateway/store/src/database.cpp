#include "portico/store/database.hpp"

#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include "portico/store/shared_counter.hpp"

namespace portico::store {

namespace {

constexpr int kBusyTimeoutMs = 5000;

[[noreturn]] void fail(sqlite3* db, int rc) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int code = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  throw StoreError(message, code);
}

}  // namespace

// A compiled statement kept by its connection, lent to one Statement at a time.
struct CachedStatement {
  sqlite3_stmt* statement;
  bool lent;
};

// Compiled statements of one connection by SQL text. Bounded, so SQL built at run time cannot
// grow it without end.
class StatementCache {
 public:
  static constexpr std::size_t kMaxEntries = 512;

  ~StatementCache() {
    for (auto& [sql, entry] : entries_)
      sqlite3_finalize(entry.statement);
  }

  // The cached statement of `sql` if it is not lent (now it is), else null.
  CachedStatement* lend(std::string_view sql) {
    const auto found = entries_.find(sql);
    if (found == entries_.end() || found->second.lent) return nullptr;
    found->second.lent = true;
    return &found->second;
  }
  // Keeps a new statement, lent at once; null when full or `sql` is there already.
  CachedStatement* keep(std::string_view sql, sqlite3_stmt* statement) {
    if (entries_.size() >= kMaxEntries || entries_.contains(sql)) return nullptr;
    // Nodes of an unordered_map never move, so the entry's address stays valid.
    return &entries_.emplace(std::string(sql), CachedStatement{statement, true}).first->second;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  std::unordered_map<std::string, CachedStatement, Hash, std::equal_to<>> entries_;
};

// The tables a connection's commits are counted for, and which of them the open transaction
// changed.
struct TableWatch {
  struct Table {
    std::string name;
    SharedCounter* counter;
    bool changed;
  };
  std::vector<Table> tables;

  static void on_change(void* self, int /*operation*/, const char* /*database*/, const char* table,
                        sqlite3_int64 /*rowid*/) {
    for (Table& watched : static_cast<TableWatch*>(self)->tables) {
      if (watched.name == table) watched.changed = true;
    }
  }
};

std::int64_t unix_millis(core::TimePoint at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

core::TimePoint from_unix_millis(std::int64_t millis) {
  return core::TimePoint(std::chrono::milliseconds(millis));
}

// Statement

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      statement_(std::exchange(other.statement_, nullptr)),
      cached_(std::exchange(other.cached_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    release();
    db_ = std::exchange(other.db_, nullptr);
    statement_ = std::exchange(other.statement_, nullptr);
    cached_ = std::exchange(other.cached_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  release();
}

void Statement::release() {
  if (statement_ == nullptr) return;
  if (cached_ != nullptr) {
    // Reset, so it holds no read snapshot open, and back to its cache.
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    cached_->lent = false;
  } else {
    sqlite3_finalize(statement_);
  }
  statement_ = nullptr;
}

void Statement::check(int rc) const {
  if (rc != SQLITE_OK) fail(db_, rc);
}

Statement& Statement::bind(int index, std::int64_t value) {
  check(sqlite3_bind_int64(statement_, index, value));
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so the caller's buffer may go away before step().
  check(sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind(int index, Blob blob) {
  // A zero-length blob with a null pointer would bind NULL; zeroblob keeps it a blob.
  if (blob.bytes.empty()) {
    check(sqlite3_bind_zeroblob(statement_, index, 0));
  } else {
    check(sqlite3_bind_blob64(statement_, index, blob.bytes.data(), blob.bytes.size(),
                              SQLITE_TRANSIENT));
  }
  return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
  check(sqlite3_bind_null(statement_, index));
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc);
}

void Statement::reset() {
  sqlite3_reset(statement_);  // repeats the last step's error, already reported by step()
  sqlite3_clear_bindings(statement_);
}

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::string Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(statement_, column);
  const int size = sqlite3_column_bytes(statement_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::string Statement::column_blob(int column) const {
  const void* bytes = sqlite3_column_blob(statement_, column);
  const int size = sqlite3_column_bytes(statement_, column);
  if (bytes == nullptr) return {};
  return std::string(static_cast<const char*>(bytes), static_cast<std::size_t>(size));
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

std::optional<std::int64_t> Statement::column_optional_int64(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_int64(column);
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_text(column);
}

// Database

Database Database::open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw StoreError("cannot open the database " + path + ": " + message, rc);
  }
  Database database(db, read_only);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  if (!read_only) {
    // WAL is a property of the file: set once by a writer, readers inherit it.
    Statement mode = database.prepare("PRAGMA journal_mode=WAL");
    if (!mode.step() || mode.column_text(0) != "wal") {
      throw StoreError("cannot switch the database " + path + " to WAL mode");
    }
  }
  database.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON");
  return database;
}

Database::Database(sqlite3* db, bool read_only)
    : db_(db), cache_(std::make_unique<StatementCache>()), read_only_(read_only) {}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      cache_(std::move(other.cache_)),
      watch_(std::move(other.watch_)),
      read_only_(other.read_only_),
      outbox_changed_(std::exchange(other.outbox_changed_, false)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    cache_.reset();
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    cache_ = std::move(other.cache_);
    watch_ = std::move(other.watch_);
    read_only_ = other.read_only_;
    outbox_changed_ = std::exchange(other.outbox_changed_, false);
  }
  return *this;
}

Database::~Database() {
  cache_.reset();
  // close_v2: statements still alive keep the connection until they are finalized.
  sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
  // The hot ones (BEGIN IMMEDIATE, SAVEPOINT, COMMIT) are single statements: run them compiled
  // once, from the cache.
  if (sql.find(';') == std::string_view::npos) {
    Statement statement = prepare(sql);
    while (statement.step()) {
    }
    return;
  }
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    const std::string copy = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw StoreError(copy, sqlite3_extended_errcode(db_));
  }
}

void Database::commit() {
  exec("COMMIT");
  if (!watch_) return;
  for (TableWatch::Table& table : watch_->tables) {
    if (std::exchange(table.changed, false)) table.counter->add_one();
  }
}

void Database::watch_table(std::string table, SharedCounter& counter) {
  if (!watch_) {
    watch_ = std::make_unique<TableWatch>();
    sqlite3_update_hook(db_, &TableWatch::on_change, watch_.get());
  }
  watch_->tables.push_back({std::move(table), &counter, false});
}

Statement Database::prepare(std::string_view sql) {
  if (CachedStatement* cached = cache_->lend(sql)) return Statement(db_, cached->statement, cached);
  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &statement, &tail);
  if (rc != SQLITE_OK) fail(db_, rc);
  Statement prepared(db_, statement);
  // One statement only: a second one would be silently ignored.
  const std::string_view rest = sql.substr(static_cast<std::size_t>(tail - sql.data()));
  if (statement == nullptr || rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    throw StoreError("prepare() takes exactly one SQL statement");
  }
  prepared.cached_ = cache_->keep(sql, statement);
  return prepared;
}

std::int64_t Database::changes() const {
  return sqlite3_changes64(db_);
}

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

void Database::set_busy_timeout(std::chrono::milliseconds timeout) {
  sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
}

bool Database::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

}  // namespace portico::store
