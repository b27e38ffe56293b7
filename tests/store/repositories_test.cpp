#include "portico/store/repositories.hpp"

#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "portico/store/store.hpp"

#include "support/temp_dir.hpp"

namespace portico::store {
namespace {

using namespace std::string_literals;
using portico::testing::TempDir;

const core::TimePoint kT0 = core::from_unix_seconds(1'700'000'000) + std::chrono::milliseconds(1);

core::TimePoint at(int minutes) {
  return kT0 + std::chrono::minutes(minutes);
}

class RepositoriesTest : public ::testing::Test {
 protected:
  RepositoriesTest() {
    StoreOptions options;
    options.path = dir_.file("repositories.db");
    store_ = Store::open(std::move(options));
  }

  template <typename F>
  auto run(F& f, bool writes) {
    using T = std::invoke_result_t<F&, Database&>;
    using Stored = std::conditional_t<std::is_void_v<T>, core::Ok, T>;
    std::function<core::Result<Stored>(Database&)> work =
        [&f](Database& db) -> core::Result<Stored> {
      if constexpr (std::is_void_v<T>) {
        f(db);
        return core::Ok{};
      } else {
        return f(db);
      }
    };
    auto result = writes ? store_->write_now<Stored>(work) : store_->read_now<Stored>(work);
    if (!result.ok()) throw std::runtime_error("store work failed: " + result.error().message);
    if constexpr (!std::is_void_v<T>) return std::move(result).value();
  }

  // Runs `f(db)` as one write (or read) and returns what it returned; a failed Result fails
  // the test by throwing.
  template <typename F>
  auto write(F f) {
    return run(f, true);
  }
  template <typename F>
  auto read(F f) {
    return run(f, false);
  }

  void add_partner(const std::string& id, int minute = 0) {
    ASSERT_TRUE(write([&](Database& db) {
      return partners::insert(db, {id, "name-" + id, at(minute)});
    }));
  }

  CustomerRecord customer(const std::string& id, const std::string& partner_id, bool livemode,
                          int minute, std::optional<std::string> external_id = std::nullopt) {
    return {id,   partner_id,  livemode,  "Name " + id, id + "@example.com",
            "KE", external_id, at(minute)};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// partners

TEST_F(RepositoriesTest, PartnersInsertFindAndList) {
  EXPECT_TRUE(write([](Database& db) { return partners::insert(db, {"ptn_b", "Beta", at(2)}); }));
  EXPECT_TRUE(write([](Database& db) { return partners::insert(db, {"ptn_a", "Alpha", at(1)}); }));

  const auto by_id = read([](Database& db) { return partners::find_by_id(db, "ptn_a"); });
  ASSERT_TRUE(by_id.has_value());
  EXPECT_EQ(by_id->name, "Alpha");
  EXPECT_EQ(by_id->created_at, at(1));
  const auto by_name = read([](Database& db) { return partners::find_by_name(db, "Beta"); });
  ASSERT_TRUE(by_name.has_value());
  EXPECT_EQ(by_name->id, "ptn_b");
  EXPECT_FALSE(read([](Database& db) { return partners::find_by_id(db, "ptn_zz"); }));
  EXPECT_FALSE(read([](Database& db) { return partners::find_by_name(db, "alpha"); }));

  const auto all = read([](Database& db) { return partners::list(db); });
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "ptn_a");  // oldest first
  EXPECT_EQ(all[1].id, "ptn_b");
}

TEST_F(RepositoriesTest, PartnerWithATakenNameIsNotInserted) {
  add_partner("ptn_a");
  EXPECT_FALSE(write([](Database& db) {
    return partners::insert(db, {"ptn_x", "name-ptn_a", kT0});
  }));
  EXPECT_FALSE(read([](Database& db) { return partners::find_by_id(db, "ptn_x"); }));
  // A repeated id is a bug, not an expected outcome: it fails the write.
  EXPECT_THROW(write([](Database& db) {
                 return partners::insert(db, {"ptn_a", "Other", kT0});
               }),
               std::runtime_error);
}

TEST_F(RepositoriesTest, PartnersListWithKeyCountsCountsActiveKeysByModeAndRevokedOnes) {
  add_partner("ptn_b", 2);
  add_partner("ptn_a", 1);
  add_partner("ptn_none", 3);
  int n = 0;
  const auto key = [&](const std::string& partner, bool livemode, bool revoked) {
    const std::string id = "key_" + std::to_string(++n);
    write([&](Database& db) {
      api_keys::insert(db, {.id = id,
                            .partner_id = partner,
                            .prefix = "pt_live_pk_" + std::to_string(n),
                            .hash = "hash-" + id,
                            .livemode = livemode,
                            .created_at = at(4)});
      if (revoked) api_keys::revoke(db, id, at(5));
    });
  };
  key("ptn_a", true, false);
  key("ptn_a", true, false);
  key("ptn_a", false, false);
  key("ptn_a", true, true);
  key("ptn_a", false, true);
  key("ptn_b", false, false);

  const auto all = read([](Database& db) { return partners::list_with_key_counts(db); });
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].partner.id, "ptn_a");  // oldest first, as list()
  EXPECT_EQ(all[0].partner.name, "name-ptn_a");
  EXPECT_EQ(all[0].partner.created_at, at(1));
  EXPECT_EQ(all[0].live, 2);
  EXPECT_EQ(all[0].test, 1);
  EXPECT_EQ(all[0].revoked, 2);
  EXPECT_EQ(all[1].partner.id, "ptn_b");
  EXPECT_EQ(all[1].live, 0);
  EXPECT_EQ(all[1].test, 1);
  EXPECT_EQ(all[1].revoked, 0);
  // A partner without keys is listed, with zeros.
  EXPECT_EQ(all[2].partner.id, "ptn_none");
  EXPECT_EQ(all[2].live + all[2].test + all[2].revoked, 0);
}

// api_keys

TEST_F(RepositoriesTest, ApiKeysInsertFindRevokeAndList) {
  add_partner("ptn_a");
  add_partner("ptn_b");
  const std::string hash_1 = "\x00\xff\x10 binary\x00"s;
  const std::string hash_2 = "\x00\xff\x10 binary\x01"s;  // differs in the last byte only
  write([&](Database& db) {
    api_keys::insert(db, {"key_1", "ptn_a", "pk_live_AbCd", hash_1, true, at(1), std::nullopt});
    api_keys::insert(db, {"key_2", "ptn_a", "pk_test_EfGh", hash_2, false, at(2), std::nullopt});
    api_keys::insert(db, {"key_3", "ptn_b", "pk_live_IjKl", "other", true, at(3), std::nullopt});
  });

  const auto found = read([&](Database& db) { return api_keys::find_by_hash(db, hash_2); });
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "key_2");
  EXPECT_EQ(found->partner_id, "ptn_a");
  EXPECT_EQ(found->prefix, "pk_test_EfGh");
  EXPECT_EQ(found->hash, hash_2);
  EXPECT_FALSE(found->livemode);
  EXPECT_EQ(found->created_at, at(2));
  EXPECT_FALSE(found->revoked_at.has_value());
  EXPECT_FALSE(read([](Database& db) { return api_keys::find_by_hash(db, "\x00\xff"s); }));
  const auto with_partner =
      read([&](Database& db) { return api_keys::find_with_partner_by_hash(db, hash_2); });
  ASSERT_TRUE(with_partner.has_value());
  EXPECT_EQ(with_partner->key.id, "key_2");
  EXPECT_EQ(with_partner->key.hash, hash_2);
  EXPECT_EQ(with_partner->partner_name, "name-ptn_a");
  EXPECT_FALSE(read([](Database& db) { return api_keys::find_with_partner_by_hash(db, "x"s); }));

  const auto by_id = read([](Database& db) { return api_keys::find_by_id(db, "key_1"); });
  ASSERT_TRUE(by_id.has_value());
  EXPECT_EQ(by_id->hash, hash_1);
  EXPECT_TRUE(by_id->livemode);

  EXPECT_TRUE(write([](Database& db) { return api_keys::revoke(db, "key_1", at(10)); }));
  EXPECT_FALSE(write([](Database& db) { return api_keys::revoke(db, "key_1", at(11)); }));
  EXPECT_FALSE(write([](Database& db) { return api_keys::revoke(db, "key_none", at(11)); }));
  const auto revoked = read([&](Database& db) { return api_keys::find_by_hash(db, hash_1); });
  ASSERT_TRUE(revoked.has_value());
  ASSERT_TRUE(revoked->revoked_at.has_value());
  EXPECT_EQ(*revoked->revoked_at, at(10));  // the first revocation time stays

  const auto keys_a = read([](Database& db) { return api_keys::list_for_partner(db, "ptn_a"); });
  ASSERT_EQ(keys_a.size(), 2u);
  EXPECT_EQ(keys_a[0].id, "key_1");
  EXPECT_EQ(keys_a[1].id, "key_2");
  const auto keys_b = read([](Database& db) { return api_keys::list_for_partner(db, "ptn_b"); });
  ASSERT_EQ(keys_b.size(), 1u);
  EXPECT_EQ(keys_b[0].id, "key_3");
  EXPECT_TRUE(read([](Database& db) { return api_keys::list_for_partner(db, "ptn_c"); }).empty());
}

TEST_F(RepositoriesTest, ApiKeyForAnUnknownPartnerOrWithARepeatedHashFails) {
  add_partner("ptn_a");
  EXPECT_THROW(
      write([](Database& db) {
        api_keys::insert(db, {"key_1", "ptn_nobody", "pk_", "h1", true, kT0, std::nullopt});
      }),
      std::runtime_error);
  write([](Database& db) {
    api_keys::insert(db, {"key_1", "ptn_a", "pk_", "h1", true, kT0, std::nullopt});
  });
  EXPECT_THROW(write([](Database& db) {
                 api_keys::insert(db, {"key_2", "ptn_a", "pk_", "h1", true, kT0, std::nullopt});
               }),
               std::runtime_error);
  EXPECT_EQ(read([](Database& db) { return api_keys::list_for_partner(db, "ptn_a"); }).size(), 1u);
}

// customers

TEST_F(RepositoriesTest, CustomerInsertAndFindIsScopedToPartnerAndMode) {
  add_partner("ptn_a");
  add_partner("ptn_b");
  EXPECT_EQ(write([&](Database& db) {
              return customers::insert(db, customer("cus_1", "ptn_a", true, 1, "ext-1"));
            }),
            customers::InsertOutcome::inserted);
  EXPECT_EQ(write([&](Database& db) {
              return customers::insert(db, customer("cus_2", "ptn_a", false, 2));
            }),
            customers::InsertOutcome::inserted);

  const auto found = read([](Database& db) { return customers::find(db, "ptn_a", true, "cus_1"); });
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "Name cus_1");
  EXPECT_EQ(found->email, "cus_1@example.com");
  EXPECT_EQ(found->country, "KE");
  EXPECT_EQ(found->external_id, "ext-1");
  EXPECT_TRUE(found->livemode);
  EXPECT_EQ(found->created_at, at(1));
  const auto no_external =
      read([](Database& db) { return customers::find(db, "ptn_a", false, "cus_2"); });
  ASSERT_TRUE(no_external.has_value());
  EXPECT_FALSE(no_external->external_id.has_value());

  // Another partner's customer, or this partner's in the other mode, is not found.
  EXPECT_FALSE(read([](Database& db) { return customers::find(db, "ptn_b", true, "cus_1"); }));
  EXPECT_FALSE(read([](Database& db) { return customers::find(db, "ptn_a", false, "cus_1"); }));
  EXPECT_FALSE(read([](Database& db) { return customers::find(db, "ptn_a", true, "cus_9"); }));
}

TEST_F(RepositoriesTest, CustomerExternalIdIsUniquePerPartnerAndMode) {
  add_partner("ptn_a");
  add_partner("ptn_b");
  auto insert = [&](CustomerRecord record) {
    return write([&](Database& db) { return customers::insert(db, record); });
  };
  using customers::InsertOutcome;
  EXPECT_EQ(insert(customer("cus_1", "ptn_a", true, 1, "ext")), InsertOutcome::inserted);
  EXPECT_EQ(insert(customer("cus_2", "ptn_a", true, 2, "ext")),
            InsertOutcome::duplicate_external_id);
  EXPECT_EQ(insert(customer("cus_3", "ptn_a", false, 3, "ext")), InsertOutcome::inserted);
  EXPECT_EQ(insert(customer("cus_4", "ptn_b", true, 4, "ext")), InsertOutcome::inserted);
  // No external id: any number of them.
  EXPECT_EQ(insert(customer("cus_5", "ptn_a", true, 5)), InsertOutcome::inserted);
  EXPECT_EQ(insert(customer("cus_6", "ptn_a", true, 6)), InsertOutcome::inserted);
  EXPECT_FALSE(read([](Database& db) { return customers::find(db, "ptn_a", true, "cus_2"); }));
  // A repeated id, or an unknown partner, is a failure rather than an outcome.
  EXPECT_THROW(insert(customer("cus_1", "ptn_a", true, 7, "other")), std::runtime_error);
  EXPECT_THROW(insert(customer("cus_8", "ptn_nobody", true, 8)), std::runtime_error);
}

TEST_F(RepositoriesTest, CustomerListPaginatesNewestFirst) {
  add_partner("ptn_a");
  add_partner("ptn_b");
  write([&](Database& db) {
    for (int i = 1; i <= 5; ++i) {
      customers::insert(db, customer("cus_a" + std::to_string(i), "ptn_a", true, i));
    }
    customers::insert(db, customer("cus_test", "ptn_a", false, 6));
    customers::insert(db, customer("cus_b1", "ptn_b", true, 7));
  });
  auto list = [&](int limit, std::optional<std::string> after) {
    return read([&](Database& db) {
      return customers::list(db, "ptn_a", true, limit,
                             after ? std::optional<std::string_view>(*after) : std::nullopt);
    });
  };
  auto ids = [](const Page<CustomerRecord>& page) {
    std::vector<std::string> result;
    for (const auto& item : page.items)
      result.push_back(item.id);
    return result;
  };

  const auto first = list(2, std::nullopt);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(ids(*first), (std::vector<std::string>{"cus_a5", "cus_a4"}));
  EXPECT_EQ(first->total, 5);
  EXPECT_TRUE(first->has_more);

  const auto second = list(2, "cus_a4");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(ids(*second), (std::vector<std::string>{"cus_a3", "cus_a2"}));
  EXPECT_EQ(second->total, 5);
  EXPECT_TRUE(second->has_more);

  const auto last = list(2, "cus_a2");
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(ids(*last), (std::vector<std::string>{"cus_a1"}));
  EXPECT_FALSE(last->has_more);

  const auto past_the_end = list(2, "cus_a1");
  ASSERT_TRUE(past_the_end.has_value());
  EXPECT_TRUE(past_the_end->items.empty());
  EXPECT_FALSE(past_the_end->has_more);
  EXPECT_EQ(past_the_end->total, 5);

  const auto exact = list(5, std::nullopt);
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->items.size(), 5u);
  EXPECT_FALSE(exact->has_more);  // exactly `limit` left is not "more"

  const auto at_least_one = list(0, std::nullopt);
  ASSERT_TRUE(at_least_one.has_value());
  EXPECT_EQ(ids(*at_least_one), (std::vector<std::string>{"cus_a5"}));

  // Cursors that are not an item of this list.
  EXPECT_FALSE(list(2, "cus_nope").has_value());
  EXPECT_FALSE(list(2, "cus_b1").has_value());    // another partner's
  EXPECT_FALSE(list(2, "cus_test").has_value());  // this partner's, other mode

  // Each partner and mode sees only its own.
  const auto other =
      read([](Database& db) { return customers::list(db, "ptn_b", true, 10, std::nullopt); });
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(ids(*other), (std::vector<std::string>{"cus_b1"}));
  EXPECT_EQ(other->total, 1);
  const auto test_mode =
      read([](Database& db) { return customers::list(db, "ptn_a", false, 10, std::nullopt); });
  ASSERT_TRUE(test_mode.has_value());
  EXPECT_EQ(ids(*test_mode), (std::vector<std::string>{"cus_test"}));
  const auto nobody =
      read([](Database& db) { return customers::list(db, "ptn_nobody", true, 10, std::nullopt); });
  ASSERT_TRUE(nobody.has_value());
  EXPECT_TRUE(nobody->items.empty());
  EXPECT_EQ(nobody->total, 0);
}

// audit

TEST_F(RepositoriesTest, AuditEntriesForARequestInOrder) {
  write([](Database& db) {
    audit::append(
        db, {at(1), "req_1", "ptn_a", "partner", "customer.create", "cus_1", R"({"name":"x"})"});
    audit::append(db, {at(2), "req_2", "", "admin", "partner.create", "", ""});
    audit::append(db, {at(3), "req_1", "ptn_a", "partner", "upstream.call", "hostraha", "{}"});
  });
  const auto first = read([](Database& db) { return audit::for_request(db, "req_1"); });
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].action, "customer.create");
  EXPECT_EQ(first[0].at, at(1));
  EXPECT_EQ(first[0].partner_id, "ptn_a");
  EXPECT_EQ(first[0].actor, "partner");
  EXPECT_EQ(first[0].target, "cus_1");
  EXPECT_EQ(first[0].detail_json, R"({"name":"x"})");
  EXPECT_EQ(first[1].action, "upstream.call");

  const auto second = read([](Database& db) { return audit::for_request(db, "req_2"); });
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].partner_id, "");
  EXPECT_EQ(second[0].target, "");
  EXPECT_EQ(second[0].detail_json, "{}");
  const auto nulls = read([](Database& db) {
    Statement query =
        db.prepare("SELECT COUNT(*) FROM audit_log WHERE partner_id IS NULL AND target IS NULL");
    query.step();
    return query.column_int64(0);
  });
  EXPECT_EQ(nulls, 1);  // empty strings are stored as NULL
  EXPECT_TRUE(read([](Database& db) { return audit::for_request(db, "req_3"); }).empty());
}

}  // namespace
}  // namespace portico::store
