// A process killed at any point leaves a consistent database: every transaction is all or
// nothing, and every commit the store acknowledged is there.
#include <chrono>
#include <signal.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "portico/core/ids.hpp"
#include "portico/core/random.hpp"
#include "portico/store/repositories.hpp"
#include "portico/store/store.hpp"

#include "support/temp_dir.hpp"

namespace portico::store {
namespace {

using portico::testing::TempDir;

// The child: writes partner + key pairs, one transaction each, telling the parent (one byte on
// the pipe) after every acknowledged commit, until it is killed.
[[noreturn]] void write_until_killed(const std::string& path, int run, int acknowledgements) {
  try {
    StoreOptions options;
    options.path = path;
    options.readers = 1;
    auto store = Store::open(std::move(options));
    core::SeededRandom random(static_cast<std::uint64_t>(1000 + run));
    const core::TimePoint now = core::from_unix_seconds(1'700'000'000);
    for (;;) {
      const std::string partner_id = core::make_id(core::id_prefix::kPartner, random);
      const std::string key_id = core::make_id(core::id_prefix::kApiKey, random);
      auto committed = store->write_now<core::Ok>([&](Database& db) -> core::Result<core::Ok> {
        if (!partners::insert(db, {partner_id, partner_id, now})) {
          return core::Error::conflict("duplicate", "duplicate");
        }
        // Some padding between the two halves widens the window for a kill mid-transaction.
        db.exec("CREATE TEMP TABLE IF NOT EXISTS scratch(x); INSERT INTO scratch VALUES(1)");
        api_keys::insert(db,
                         {key_id, partner_id, "pk_", "hash-" + key_id, true, now, std::nullopt});
        return core::Ok{};
      });
      if (!committed.ok()) _exit(3);
      const char byte = 'c';
      if (write(acknowledgements, &byte, 1) != 1) _exit(4);
    }
  } catch (...) {
    _exit(5);
  }
}

std::int64_t scalar(Store& store, const std::string& sql) {
  auto result = store.read_now<std::int64_t>([&](Database& db) -> core::Result<std::int64_t> {
    Statement query = db.prepare(sql);
    query.step();
    return query.column_int64(0);
  });
  return result.ok() ? result.value() : -1;
}

TEST(StoreCrashTest, KilledWritersLeaveAConsistentDatabase) {
  TempDir dir;
  const std::string path = dir.file("crash.db");
  constexpr int kRuns = 6;
  std::int64_t acknowledged = 0;

  for (int run = 0; run < kRuns; ++run) {
    int pipe_ends[2];
    ASSERT_EQ(pipe(pipe_ends), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(pipe_ends[0]);
      write_until_killed(path, run, pipe_ends[1]);
    }
    close(pipe_ends[1]);

    // Kill it only once it is writing, after a different delay each run.
    char byte = 0;
    ASSERT_EQ(read(pipe_ends[0], &byte, 1), 1) << "the writer never committed (run " << run << ")";
    std::int64_t run_acknowledged = 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(15 + 11 * run));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself with " << status;
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    char buffer[4096];
    for (ssize_t got; (got = read(pipe_ends[0], buffer, sizeof buffer)) > 0;) {
      run_acknowledged += got;
    }
    close(pipe_ends[0]);
    acknowledged += run_acknowledged;
  }

  StoreOptions options;
  options.path = path;
  options.readers = 1;
  auto store = Store::open(std::move(options));
  auto integrity = store->read_now<std::string>([](Database& db) -> core::Result<std::string> {
    Statement query = db.prepare("PRAGMA integrity_check");
    query.step();
    return query.column_text(0);
  });
  ASSERT_TRUE(integrity.ok());
  EXPECT_EQ(integrity.value(), "ok");
  EXPECT_EQ(scalar(*store, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);

  const std::int64_t partners = scalar(*store, "SELECT COUNT(*) FROM partners");
  const std::int64_t keys = scalar(*store, "SELECT COUNT(*) FROM api_keys");
  const std::int64_t partners_without_key =
      scalar(*store,
             "SELECT COUNT(*) FROM partners p WHERE NOT EXISTS "
             "(SELECT 1 FROM api_keys k WHERE k.partner_id = p.id)");
  EXPECT_EQ(partners_without_key, 0);
  EXPECT_EQ(keys, partners);
  // Every acknowledged commit survived; at most one commit per run was not yet acknowledged.
  EXPECT_GE(partners, acknowledged);
  EXPECT_LE(partners, acknowledged + kRuns);
  ::testing::Test::RecordProperty("transactions", static_cast<int>(partners));
}

}  // namespace
}  // namespace portico::store
