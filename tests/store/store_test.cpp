#include "portico/store/store.hpp"

#include <filesystem>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "portico/store/repositories.hpp"

#include "support/temp_dir.hpp"

namespace portico::store {
namespace {

using portico::testing::TempDir;

const core::TimePoint kStart =
    core::from_unix_seconds(1'700'000'000) + std::chrono::milliseconds(5);

Migration test_migration_2(std::string name = "partner_notes") {
  return {2, std::move(name),
          "ALTER TABLE partners ADD COLUMN note TEXT;"
          "CREATE TABLE widgets(id INTEGER PRIMARY KEY, label TEXT NOT NULL);"};
}

class StoreTest : public ::testing::Test {
 protected:
  StoreOptions options(std::vector<Migration> migrations = builtin_migrations()) {
    StoreOptions result;
    result.path = dir_.file("data/portico.db");
    result.migrations = std::move(migrations);
    result.clock = &clock_;
    result.on_error = [this](std::string_view message) {
      const std::lock_guard lock(errors_mutex_);
      errors_.emplace_back(message);
    };
    return result;
  }

  std::vector<std::string> errors() {
    const std::lock_guard lock(errors_mutex_);
    return errors_;
  }

  static std::int64_t count(Store& store, const std::string& table) {
    auto result = store.read_now<std::int64_t>([&](Database& db) -> core::Result<std::int64_t> {
      Statement query = db.prepare("SELECT COUNT(*) FROM " + table);
      query.step();
      return query.column_int64(0);
    });
    if (!result.ok()) throw std::runtime_error("count failed: " + result.error().message);
    return result.value();
  }

  struct Recorded {
    std::int64_t version;
    std::string name;
    std::int64_t applied_at;
  };
  static std::vector<Recorded> recorded(Store& store) {
    auto result = store.read_now<std::vector<Recorded>>(
        [](Database& db) -> core::Result<std::vector<Recorded>> {
          std::vector<Recorded> rows;
          Statement query =
              db.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY 1");
          while (query.step()) {
            rows.push_back({query.column_int64(0), query.column_text(1), query.column_int64(2)});
          }
          return rows;
        });
    if (!result.ok()) throw std::runtime_error("reading schema_migrations failed");
    return result.value();
  }

  static PartnerRecord partner(const std::string& id) { return {id, "name-" + id, kStart}; }

  TempDir dir_;
  core::ManualClock clock_{kStart};
  std::mutex errors_mutex_;
  std::vector<std::string> errors_;
};

TEST_F(StoreTest, OpenCreatesTheFileInWalModeAndRecordsMigrations) {
  auto store = Store::open(options());
  EXPECT_TRUE(std::filesystem::exists(dir_.file("data/portico.db")));
  const int latest = builtin_migrations().back().version;
  EXPECT_EQ(store->schema_version(), latest);

  const auto rows = recorded(*store);
  ASSERT_EQ(rows.size(), builtin_migrations().size());
  EXPECT_EQ(rows[0].version, 1);
  EXPECT_EQ(rows[0].name, "initial");
  EXPECT_EQ(rows[0].applied_at, unix_millis(kStart));
  EXPECT_EQ(rows.back().version, latest);

  auto mode = store->write_now<std::string>([](Database& db) -> core::Result<std::string> {
    Statement query = db.prepare("PRAGMA journal_mode");
    query.step();
    return query.column_text(0);
  });
  ASSERT_TRUE(mode.ok());
  EXPECT_EQ(mode.value(), "wal");
  for (const char* table : {"partners", "api_keys", "customers", "objects", "idempotency_keys",
                            "events", "audit_log", "dns_records"}) {
    EXPECT_EQ(count(*store, table), 0) << table;
  }
}

TEST_F(StoreTest, KeyRevocationsAreCountedInAFileEveryOpenerSees) {
  auto store = Store::open(options());
  const std::string file = dir_.file("data/portico.db-revocations");
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(std::filesystem::file_size(file), 8U);
  EXPECT_EQ(store->key_revocations().value(), 0U);
  // Another store on the file, as the CLI opens it: its own mapping of the same counter.
  auto other = Store::open(options());
  other->key_revocations().add_one();
  EXPECT_EQ(store->key_revocations().value(), 1U);
  store->key_revocations().add_one();
  EXPECT_EQ(other->key_revocations().value(), 2U);
  // And it survives the processes: a gateway started later starts from the count.
  other.reset();
  store.reset();
  EXPECT_EQ(Store::open(options())->key_revocations().value(), 2U);
}

TEST_F(StoreTest, CommitsThatChangeObjectsOrDnsRecordsAreCountedForEveryOpener) {
  auto store = Store::open(options());
  auto other = Store::open(options());  // as a second process would
  const auto write = [](Store& on, std::string sql) {
    return on
        .write_now<core::Ok>([&sql](Database& db) -> core::Result<core::Ok> {
          db.exec(sql);
          return core::Ok{};
        })
        .ok();
  };
  ASSERT_TRUE(write(*store, "INSERT INTO partners(id, name, created_at) VALUES('ptn_1', 'A', 1)"));
  EXPECT_EQ(store->object_writes().value(), 0U);  // no objects row changed
  ASSERT_TRUE(write(*store,
                    "INSERT INTO objects(id, kind, partner_id, livemode, provider_instance, "
                    "state, created_at, updated_at) "
                    "VALUES('dom_1', 'domain', 'ptn_1', 1, 'hostraha', 'active', 1, 1)"));
  EXPECT_EQ(store->object_writes().value(), 1U);
  EXPECT_EQ(other->object_writes().value(), 1U);
  EXPECT_EQ(store->dns_record_writes().value(), 0U);

  // Another opener's commit is seen here, in its own slot.
  ASSERT_TRUE(write(*other,
                    "INSERT INTO dns_records(id, domain_id, fingerprint, created_at) "
                    "VALUES('dns_1', 'dom_1', 'A|www|1.2.3.4', 1)"));
  EXPECT_EQ(store->dns_record_writes().value(), 1U);
  EXPECT_EQ(store->object_writes().value(), 1U);
  ASSERT_TRUE(write(*other, "UPDATE objects SET state = 'expired' WHERE id = 'dom_1'"));
  EXPECT_EQ(store->object_writes().value(), 2U);

  // Work that fails changes nothing, and counts at most as a change (a cache miss).
  auto failed = store->write_now<core::Ok>([](Database& db) -> core::Result<core::Ok> {
    db.exec("UPDATE objects SET state = 'active' WHERE id = 'dom_1'");
    return core::Error::internal("refused after the update");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_LE(store->object_writes().value(), 3U);
  EXPECT_EQ(std::filesystem::file_size(dir_.file("data/portico.db-changes")), 16U);
}

TEST_F(StoreTest, ReopeningAppliesNothing) {
  Store::open(options()).reset();
  clock_.advance(std::chrono::hours(1));
  auto store = Store::open(options());
  const auto rows = recorded(*store);
  ASSERT_EQ(rows.size(), builtin_migrations().size());
  EXPECT_EQ(rows[0].applied_at, unix_millis(kStart));  // not re-applied an hour later
  EXPECT_EQ(store->schema_version(), builtin_migrations().back().version);
}

TEST_F(StoreTest, NewMigrationKeepsExistingRows) {
  {
    auto store = Store::open(options({builtin_migrations()[0]}));
    auto written = store->write_now<core::Ok>([](Database& db) -> core::Result<core::Ok> {
      partners::insert(db, partner("ptn_1"));
      partners::insert(db, partner("ptn_2"));
      return core::Ok{};
    });
    ASSERT_TRUE(written.ok());
  }
  clock_.advance(std::chrono::minutes(3));
  auto store = Store::open(options({builtin_migrations()[0], test_migration_2()}));
  EXPECT_EQ(store->schema_version(), 2);
  const auto rows = recorded(*store);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].version, 2);
  EXPECT_EQ(rows[1].name, "partner_notes");
  EXPECT_EQ(rows[1].applied_at, unix_millis(kStart + std::chrono::minutes(3)));
  EXPECT_EQ(count(*store, "partners"), 2);
  EXPECT_EQ(count(*store, "widgets"), 0);

  // The new column is there and the old rows are intact.
  auto note = store->write_now<std::string>([](Database& db) -> core::Result<std::string> {
    db.exec("UPDATE partners SET note = 'kept' WHERE id = 'ptn_2'");
    Statement query = db.prepare("SELECT name || ':' || note FROM partners WHERE id = 'ptn_2'");
    query.step();
    return query.column_text(0);
  });
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(note.value(), "name-ptn_2:kept");
}

TEST_F(StoreTest, RefusesADatabaseNewerThanTheBinary) {
  Store::open(options({builtin_migrations()[0], test_migration_2()})).reset();
  try {
    Store::open(options({builtin_migrations()[0]}));
    FAIL() << "a newer database was opened";
  } catch (const StoreError& error) {
    EXPECT_NE(std::string(error.what()).find("schema version 2"), std::string::npos)
        << error.what();
  }
}

TEST_F(StoreTest, RefusesARenamedMigration) {
  Store::open(options({builtin_migrations()[0], test_migration_2("partner_notes")})).reset();
  EXPECT_THROW(Store::open(options({builtin_migrations()[0], test_migration_2("other_name")})),
               StoreError);
  // The original history still opens.
  EXPECT_NO_THROW(Store::open(options({builtin_migrations()[0], test_migration_2()})));
}

TEST_F(StoreTest, RefusesABadMigrationList) {
  Migration gap = test_migration_2();
  gap.version = 3;
  EXPECT_THROW(Store::open(options({builtin_migrations()[0], gap})), StoreError);
  EXPECT_THROW(Store::open(options({{1, "", "CREATE TABLE t(i)"}})), StoreError);
  StoreOptions no_readers = options();
  no_readers.readers = 0;
  EXPECT_THROW(Store::open(no_readers), StoreError);
}

TEST_F(StoreTest, AFailingMigrationLeavesNoTrace) {
  Store::open(options({builtin_migrations()[0]})).reset();
  const Migration broken{2, "broken", "CREATE TABLE half(i); INSERT INTO nowhere VALUES(1);"};
  EXPECT_THROW(Store::open(options({builtin_migrations()[0], broken})), StoreError);

  auto store = Store::open(options({builtin_migrations()[0]}));
  EXPECT_EQ(recorded(*store).size(), 1u);
  EXPECT_THROW(count(*store, "half"), std::runtime_error);  // its CREATE TABLE was rolled back
}

TEST_F(StoreTest, AppliedAtOpenListsWhatThatOpenApplied) {
  EXPECT_EQ(Store::open(options({builtin_migrations()[0]}))->applied_at_open(),
            std::vector<int>{1});
  EXPECT_EQ(Store::open(options({builtin_migrations()[0], test_migration_2()}))->applied_at_open(),
            std::vector<int>{2});
  EXPECT_TRUE(Store::open(options({builtin_migrations()[0], test_migration_2()}))
                  ->applied_at_open()
                  .empty());
}

TEST_F(StoreTest, SchemaStatusTellsWhatIsPendingWithoutChangingAnything) {
  const std::string path = dir_.file("data/portico.db");
  const std::vector<Migration> both = {builtin_migrations()[0], test_migration_2()};

  const SchemaStatus missing = schema_status(path, both);
  EXPECT_FALSE(missing.exists);
  EXPECT_EQ(missing.version, 0);
  ASSERT_EQ(missing.pending.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(path));  // not created

  Store::open(options({builtin_migrations()[0]})).reset();
  const SchemaStatus behind = schema_status(path, both);
  EXPECT_TRUE(behind.exists);
  EXPECT_EQ(behind.version, 1);
  ASSERT_EQ(behind.pending.size(), 1u);
  EXPECT_EQ(behind.pending[0].version, 2);
  EXPECT_EQ(behind.pending[0].name, "partner_notes");
  // Still at 1: the next open applies migration 2.
  EXPECT_EQ(Store::open(options(both))->applied_at_open(), std::vector<int>{2});

  const SchemaStatus current = schema_status(path, both);
  EXPECT_EQ(current.version, 2);
  EXPECT_TRUE(current.pending.empty());
  // Refused as Store::open refuses it: newer than the binary, or another history.
  EXPECT_THROW(schema_status(path, {builtin_migrations()[0]}), StoreError);
  EXPECT_THROW(schema_status(path, {builtin_migrations()[0], test_migration_2("other_name")}),
               StoreError);

  // A SQLite file that no Store ever opened: nothing recorded, and still nothing written.
  const std::string bare = dir_.file("bare.db");
  Database::open(bare, false).exec("CREATE TABLE t(i)");
  const SchemaStatus unrecorded = schema_status(bare, both);
  EXPECT_TRUE(unrecorded.exists);
  EXPECT_EQ(unrecorded.version, 0);
  EXPECT_EQ(unrecorded.pending.size(), 2u);
  Database check = Database::open(bare, true);
  Statement table =
      check.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migrations'");
  table.step();
  EXPECT_EQ(table.column_int64(0), 0);
}

TEST_F(StoreTest, WriteRollsBackOnAnErrorResult) {
  auto store = Store::open(options());
  auto result = store->write_now<core::Ok>([](Database& db) -> core::Result<core::Ok> {
    partners::insert(db, partner("ptn_1"));
    return core::Error::conflict("name_taken", "That name is taken.");
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "name_taken");  // the work's own error comes back unchanged
  EXPECT_EQ(count(*store, "partners"), 0);
  EXPECT_TRUE(errors().empty());
}

TEST_F(StoreTest, WriteRollsBackOnAnException) {
  auto store = Store::open(options());
  auto result = store->write_now<core::Ok>([](Database& db) -> core::Result<core::Ok> {
    partners::insert(db, partner("ptn_1"));
    throw std::runtime_error("work blew up");
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, 500);
  EXPECT_EQ(result.error().message, "The database failed.");
  EXPECT_EQ(count(*store, "partners"), 0);
  EXPECT_EQ(errors(), std::vector<std::string>{"work blew up"});

  // The writer is still usable afterwards.
  auto next = store->write_now<bool>(
      [](Database& db) -> core::Result<bool> { return partners::insert(db, partner("ptn_2")); });
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next.value());
  EXPECT_EQ(count(*store, "partners"), 1);
}

TEST_F(StoreTest, WriteRollsBackOnASqliteFailureMidWay) {
  auto store = Store::open(options());
  auto result = store->write_now<core::Ok>([](Database& db) -> core::Result<core::Ok> {
    partners::insert(db, partner("ptn_1"));
    api_keys::insert(db, {"key_1", "ptn_unknown", "pk_", "hash", true, kStart, std::nullopt});
    return core::Ok{};
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "The database failed.");
  EXPECT_EQ(count(*store, "partners"), 0);
  EXPECT_EQ(count(*store, "api_keys"), 0);
  ASSERT_EQ(errors().size(), 1u);
  EXPECT_NE(errors()[0].find("FOREIGN KEY"), std::string::npos) << errors()[0];
}

TEST_F(StoreTest, WorkThatEndsTheStoreTransactionFails) {
  auto store = Store::open(options());
  // The store owns BEGIN/COMMIT: work that ends the transaction itself is a failure.
  auto result = store->write_now<core::Ok>([](Database& db) -> core::Result<core::Ok> {
    db.exec("COMMIT");
    return core::Ok{};
  });
  EXPECT_FALSE(result.ok());
  auto next = store->write_now<bool>(
      [](Database& db) -> core::Result<bool> { return partners::insert(db, partner("ptn_1")); });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(count(*store, "partners"), 1);
}

TEST_F(StoreTest, ReadsUseReadOnlyConnections) {
  auto store = Store::open(options());
  auto result = store->read_now<bool>(
      [](Database& db) -> core::Result<bool> { return partners::insert(db, partner("ptn_1")); });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message, "The database failed.");
  auto writer =
      store->write_now<bool>([](Database& db) -> core::Result<bool> { return db.read_only(); });
  ASSERT_TRUE(writer.ok());
  EXPECT_FALSE(writer.value());
  EXPECT_EQ(count(*store, "partners"), 0);
}

TEST_F(StoreTest, ReadsSeeCommittedWrites) {
  auto store = Store::open(options());
  for (int i = 0; i < 5; ++i) {
    auto written = store->write_now<bool>([i](Database& db) -> core::Result<bool> {
      return partners::insert(db, partner("ptn_" + std::to_string(i)));
    });
    ASSERT_TRUE(written.ok());
    EXPECT_EQ(count(*store, "partners"), i + 1);  // every reader sees it at once
  }
}

TEST_F(StoreTest, BlockingCallsOnAStoreThreadAreRefusedNotDeadlocked) {
  auto store = Store::open(options());
  auto outer = store->write_now<std::string>([&](Database&) -> core::Result<std::string> {
    auto inner =
        store->write_now<core::Ok>([](Database&) -> core::Result<core::Ok> { return core::Ok{}; });
    return inner.ok() ? std::string("ran") : inner.error().message;
  });
  ASSERT_TRUE(outer.ok());
  EXPECT_EQ(outer.value(), "The database failed.");
  auto from_reader = store->read_now<bool>([&](Database&) -> core::Result<bool> {
    return store->read_now<core::Ok>([](Database&) -> core::Result<core::Ok> { return core::Ok{}; })
        .ok();
  });
  ASSERT_TRUE(from_reader.ok());
  EXPECT_FALSE(from_reader.value());
}

TEST_F(StoreTest, HealthyUnlessTheWriterIsStuck) {
  auto store = Store::open(options());
  EXPECT_TRUE(store->healthy());

  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread blocker([&] {
    auto result = store->write_now<core::Ok>([&](Database&) -> core::Result<core::Ok> {
      started.set_value();
      released.wait();
      return core::Ok{};
    });
    EXPECT_TRUE(result.ok());
  });
  started.get_future().wait();
  EXPECT_FALSE(store->healthy(std::chrono::milliseconds(50)));
  release.set_value();
  blocker.join();
  EXPECT_TRUE(store->healthy());
}

TEST_F(StoreTest, ReadHereRunsOnTheCallersThreadAndSeesCommittedWrites) {
  auto store = Store::open(options());
  ASSERT_TRUE(store
                  ->write_now<bool>([](Database& db) -> core::Result<bool> {
                    return partners::insert(db, partner("ptn_1"));
                  })
                  .ok());
  const std::thread::id caller = std::this_thread::get_id();
  std::thread::id ran_on;
  auto find = [&](Database& db) -> core::Result<std::string> {
    ran_on = std::this_thread::get_id();
    auto found = partners::find_by_id(db, "ptn_1");
    if (!found) return core::Error::not_found("No such partner.");
    return found->name;
  };
  auto here = store->read_here<std::string>(find);
  ASSERT_TRUE(here.has_value());
  ASSERT_TRUE(here->ok());
  EXPECT_EQ(ran_on, caller);

  // A later write is seen by the next read on the same (kept) connection.
  ASSERT_TRUE(store
                  ->write_now<core::Ok>([](Database& db) -> core::Result<core::Ok> {
                    db.exec("DELETE FROM partners");
                    return core::Ok{};
                  })
                  .ok());
  auto gone = store->read_here<std::string>(find);
  ASSERT_TRUE(gone.has_value());
  ASSERT_FALSE(gone->ok());
  EXPECT_EQ(gone->error().code, "not_found");  // the work's own error, unchanged

  // Another store on another file, from the same thread: its own connection.
  TempDir other;
  StoreOptions second = options();
  second.path = other.file("second.db");
  auto store2 = Store::open(second);
  ASSERT_TRUE(store2
                  ->write_now<bool>([](Database& db) -> core::Result<bool> {
                    return partners::insert(db, partner("ptn_1"));
                  })
                  .ok());
  auto in_second = store2->read_here<std::string>(find);
  ASSERT_TRUE(in_second.has_value());
  EXPECT_TRUE(in_second->ok());
  EXPECT_TRUE(errors().empty());
}

}  // namespace
}  // namespace portico::store
