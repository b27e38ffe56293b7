#include "portico/store/database.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/temp_dir.hpp"

namespace portico::store {
namespace {

using portico::testing::TempDir;
using namespace std::string_literals;

std::string pragma_text(Database& db, const std::string& pragma) {
  Statement query = db.prepare("PRAGMA " + pragma);
  EXPECT_TRUE(query.step());
  return query.column_text(0);
}

TEST(DatabaseTest, OpenCreatesTheFileWithTheConnectionSettings) {
  TempDir dir;
  const std::string path = dir.file("settings.db");
  Database db = Database::open(path, false);
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(pragma_text(db, "journal_mode"), "wal");
  EXPECT_EQ(pragma_text(db, "synchronous"), "2");  // FULL
  EXPECT_EQ(pragma_text(db, "foreign_keys"), "1");
  EXPECT_EQ(pragma_text(db, "busy_timeout"), "5000");
  EXPECT_FALSE(db.read_only());

  Database reader = Database::open(path, true);
  EXPECT_TRUE(reader.read_only());
  EXPECT_EQ(pragma_text(reader, "journal_mode"), "wal");
  EXPECT_EQ(pragma_text(reader, "busy_timeout"), "5000");
}

TEST(DatabaseTest, ReadOnlyOpenOfAMissingFileFailsAndCreatesNothing) {
  TempDir dir;
  const std::string path = dir.file("missing.db");
  EXPECT_THROW(Database::open(path, true), StoreError);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(DatabaseTest, BindsAndReadsBackEveryType) {
  TempDir dir;
  Database db = Database::open(dir.file("types.db"), false);
  db.exec("CREATE TABLE t(i INTEGER, s TEXT, b BLOB, n TEXT, e BLOB)");
  const std::string bytes = "\x00\x01\xff\x80zz"s;
  Statement insert = db.prepare("INSERT INTO t VALUES(?, ?, ?, ?, ?)");
  insert.bind(1, std::int64_t{-9'000'000'000'123})
      .bind(2, std::string_view("h\xc3\xa9llo"))
      .bind(3, Blob{bytes})
      .bind(4, std::nullopt)
      .bind(5, Blob{""});
  EXPECT_FALSE(insert.step());
  EXPECT_EQ(db.changes(), 1);
  EXPECT_EQ(db.last_insert_rowid(), 1);

  Statement query = db.prepare("SELECT i, s, b, n, e, typeof(b), typeof(e) FROM t");
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.column_int64(0), -9'000'000'000'123);
  EXPECT_EQ(query.column_text(1), "h\xc3\xa9llo");
  EXPECT_EQ(query.column_blob(2), bytes);
  EXPECT_TRUE(query.column_is_null(3));
  EXPECT_EQ(query.column_optional_text(3), std::nullopt);
  EXPECT_EQ(query.column_optional_int64(3), std::nullopt);
  EXPECT_EQ(query.column_optional_int64(0), -9'000'000'000'123);
  EXPECT_FALSE(query.column_is_null(4));  // an empty blob is a blob, not NULL
  EXPECT_EQ(query.column_text(5), "blob");
  EXPECT_EQ(query.column_text(6), "blob");
  EXPECT_FALSE(query.step());
}

TEST(DatabaseTest, OptionalBindsNullWhenEmpty) {
  TempDir dir;
  Database db = Database::open(dir.file("optional.db"), false);
  db.exec("CREATE TABLE t(s TEXT)");
  Statement insert = db.prepare("INSERT INTO t VALUES(?)");
  insert.bind(1, std::optional<std::string>("x"));
  insert.step();
  insert.reset();
  insert.bind(1, std::optional<std::string>());
  insert.step();
  Statement query = db.prepare("SELECT count(*), count(s) FROM t");
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.column_int64(0), 2);
  EXPECT_EQ(query.column_int64(1), 1);
}

TEST(DatabaseTest, ResetClearsBindingsSoAStatementRunsAgain) {
  TempDir dir;
  Database db = Database::open(dir.file("reset.db"), false);
  db.exec("CREATE TABLE t(i INTEGER)");
  Statement insert = db.prepare("INSERT INTO t VALUES(?)");
  insert.bind(1, std::int64_t{7});
  insert.step();
  insert.reset();
  insert.step();  // the binding was cleared: NULL
  Statement query = db.prepare("SELECT i FROM t ORDER BY rowid");
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.column_int64(0), 7);
  ASSERT_TRUE(query.step());
  EXPECT_TRUE(query.column_is_null(0));
}

TEST(DatabaseTest, FailuresThrowStoreErrorWithoutTheBoundValues) {
  TempDir dir;
  Database db = Database::open(dir.file("errors.db"), false);
  db.exec("CREATE TABLE t(secret TEXT UNIQUE)");
  const std::string secret = "sk_live_do_not_log_me";
  db.prepare("INSERT INTO t VALUES(?)").bind(1, secret).step();
  Statement again = db.prepare("INSERT INTO t VALUES(?)");
  again.bind(1, secret);
  try {
    again.step();
    FAIL() << "a duplicate was accepted";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.code(), SQLITE_CONSTRAINT_UNIQUE);
    EXPECT_NE(std::string(error.what()).find("UNIQUE"), std::string::npos);
    EXPECT_EQ(std::string(error.what()).find(secret), std::string::npos);
  }
}

TEST(DatabaseTest, BadSqlThrows) {
  TempDir dir;
  Database db = Database::open(dir.file("bad.db"), false);
  EXPECT_THROW(db.exec("CREATE TABLE"), StoreError);
  EXPECT_THROW(db.prepare("SELEC 1"), StoreError);
  EXPECT_THROW(db.prepare("SELECT 1; SELECT 2"), StoreError);  // the second would be ignored
  EXPECT_THROW(db.prepare("  "), StoreError);
  EXPECT_NO_THROW(db.prepare("SELECT 1;  "));
}

TEST(DatabaseTest, ForeignKeysAreEnforced) {
  TempDir dir;
  Database db = Database::open(dir.file("fk.db"), false);
  db.exec(
      "CREATE TABLE parent(id TEXT PRIMARY KEY); CREATE TABLE child(p TEXT REFERENCES parent(id))");
  Statement insert = db.prepare("INSERT INTO child VALUES('nobody')");
  try {
    insert.step();
    FAIL() << "a dangling foreign key was accepted";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.code(), SQLITE_CONSTRAINT_FOREIGNKEY);
  }
}

TEST(DatabaseTest, ReadOnlyConnectionRefusesWrites) {
  TempDir dir;
  const std::string path = dir.file("ro.db");
  Database writer = Database::open(path, false);
  writer.exec("CREATE TABLE t(i INTEGER)");
  Database reader = Database::open(path, true);
  EXPECT_THROW(reader.exec("INSERT INTO t VALUES(1)"), StoreError);
}

TEST(DatabaseTest, TransactionStateIsVisible) {
  TempDir dir;
  Database db = Database::open(dir.file("tx.db"), false);
  EXPECT_FALSE(db.in_transaction());
  db.exec("BEGIN IMMEDIATE");
  EXPECT_TRUE(db.in_transaction());
  db.exec("ROLLBACK");
  EXPECT_FALSE(db.in_transaction());
}

TEST(DatabaseTest, UnixMillisRoundTrip) {
  const core::TimePoint at = core::from_unix_seconds(1'700'000'000) + std::chrono::milliseconds(42);
  EXPECT_EQ(unix_millis(at), 1'700'000'000'042);
  EXPECT_EQ(from_unix_millis(1'700'000'000'042), at);
  // Sub-millisecond parts are dropped, never rounded up.
  EXPECT_EQ(unix_millis(at + std::chrono::microseconds(999)), 1'700'000'000'042);
}

}  // namespace
}  // namespace portico::store
