#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "portico/core/clock.hpp"

#include "hostraha/signer.hpp"

namespace portico::adapters::hostraha {
namespace {

constexpr const char* kEmail = "reseller@example.com";
constexpr const char* kApiKey = "1234567890QWERTYUIOPASDFGHJKLZXCVBNM";

core::TimePoint at(std::int64_t unix_seconds) {
  return core::from_unix_seconds(unix_seconds);
}

struct Vector {
  std::int64_t unix_seconds;
  const char* hour;
  const char* token;
};

// Computed by PHP 8.2 itself, the vendor's language and formula:
//   php -r '$email = "reseller@example.com"; $key = "1234567890QWERTYUIOPASDFGHJKLZXCVBNM";
//     foreach ([1714568400, 1714571999, ...] as $t) { $h = gmdate("y-m-d H", $t);
//     echo $t, " ", $h, " ", base64_encode(hash_hmac("sha256", $key, "$email:$h")), "\n"; }'
// The first is research/upstreams.md section 4.3's vector.
const std::vector<Vector> kPhpVectors = {
    {1714568400, "24-05-01 13",
     "NmIwYzk2MDhlZjc2MzE2YmFjNGM4YTkyN2I0ZmM1ZDIzNTdmZWNkYWJjZTFiYjlhOGU0YzBmN2FjMGFhNGVjZQ=="},
    // The last second of the hour, then the next hour.
    {1714571999, "24-05-01 13",
     "NmIwYzk2MDhlZjc2MzE2YmFjNGM4YTkyN2I0ZmM1ZDIzNTdmZWNkYWJjZTFiYjlhOGU0YzBmN2FjMGFhNGVjZQ=="},
    {1714572000, "24-05-01 14",
     "MTViZWNlMTZjMGE5OWUxYjcxYTM3ODg4YjU2NDk4NjIwZWQ1ZDk4MjBjNDZjNDA2NmRjYTg3NzUyMzhiYzI1Yg=="},
    // Day rollover.
    {1714607999, "24-05-01 23",
     "N2Q4ZTk1MDQ1MDZlMDQ0YWU2ZTE2MzYwMzMzNTlhYmY2ZjRiYjQ2NDM2ZjE3OTc0OWIwYTRiYzkxMmJhYjRiOA=="},
    {1714608000, "24-05-02 00",
     "YWU2NDJjZTRlMTAwMmM3NzE2ZGMwZmQ5ODZmYjJiN2UwYjkyMjQ0MWEwYTc3NTdlMjVmNTNlNDYwNjgzMGU1MQ=="},
    // Month rollover.
    {1717199999, "24-05-31 23",
     "MTMwZWM1MzRkMmRlZTY0NzNiZjBmY2NkOWFjMjgzYzEyZDJjYjk0M2Q5NzE3YzA2YzZmZDQzMGNiNDliZmQ5MQ=="},
    {1717200000, "24-06-01 00",
     "NGZhY2UyMDcyODBlNWIxOTJmZmRiZWEyYTgyYjczNzIxZjlhODcyYjExMzlhNWUxZmE0ZmMwYWQxYTFkZjIxYg=="},
    // Year rollover.
    {1735689599, "24-12-31 23",
     "YmZhYTYxM2RjODViNGQxZjMzZTQzMDdiZjU5YTk3YmJhZGNmNzVmZDdmMWFjZDYyNzVmNDhlODZhNTI5NDJhMA=="},
    {1735689600, "25-01-01 00",
     "N2VjMjk3NjJmNGQwM2MxYWVhNDZjMmVkYzRiNDQ1NTQwYWQ5N2Q2MGQ1NTMzMzllYjJkNjAyZGQ2MTMxNzUwYw=="},
    // A leap day, and two-digit years with a leading zero.
    {1709164800, "24-02-29 00",
     "YWVlOWY1OWY0MWY1MTc2YTNkYTIyNDljOTI5NDUzY2VhOGIwYWUxZGEwZjQ3YjI1MjA5MTQ0MWY4OTA2ZmE5ZA=="},
    {946684800, "00-01-01 00",
     "OWY0NTNjM2E0NTQxMTQ4OGE0NDJiMGViNDFiNTg0ODMyNTJhZDQ3N2MxNTNmZWM4NmNhMzVmYzEyOTcwMDExNw=="},
    {1234567890, "09-02-13 23",
     "ZDhmZjc1OTliNTY1NDMwN2I3ZjQzZmI5MTU0NDc4ZjQxNDExN2E0YzQ5MWZlYzkxYTY1MGRmMDg0M2ExMzFmNA=="},
};

TEST(HostrahaSignerTest, MatchesPhpVectors) {
  for (const auto& vector : kPhpVectors) {
    SCOPED_TRACE(vector.unix_seconds);
    EXPECT_EQ(hour_stamp(at(vector.unix_seconds)), vector.hour);
    EXPECT_EQ(token(kEmail, kApiKey, at(vector.unix_seconds)), vector.token);
  }
}

TEST(HostrahaSignerTest, TokenIsEightyEightCharactersOfBase64Hex) {
  const std::string value = token(kEmail, kApiKey, at(1714568400));
  EXPECT_EQ(value.size(), 88U);
  EXPECT_EQ(value.substr(86), "==");
}

// The two wrong variants the seed's own JavaScript and Python examples compute (research
// section 4.3): a signer that fell into either would not match.
TEST(HostrahaSignerTest, DiffersFromTheSeedsWrongVariants) {
  const std::string value = token(kEmail, kApiKey, at(1714568400));
  EXPECT_NE(value, "awyWCO92MWusTIqSe0/F0jV/7Nq84buajkwPesCqTs4=");
  EXPECT_NE(value,
            "OWIyMGE1ZDYxM2M1MWExNjAxZmI5ODE2ZDMzMDYyYjlkZDE5MTFkOTY3NTlmMjczNjZkODgzNmQzYTE2MTcyNw"
            "==");
}

TEST(HostrahaSignerTest, TokenChangesOnTheHourOnly) {
  EXPECT_EQ(token(kEmail, kApiKey, at(1714568400)), token(kEmail, kApiKey, at(1714571999)));
  EXPECT_NE(token(kEmail, kApiKey, at(1714571999)), token(kEmail, kApiKey, at(1714572000)));
  EXPECT_NE(token(kEmail, kApiKey, at(1714568400)),
            token("other@example.com", kApiKey, at(1714568400)));
  EXPECT_NE(token(kEmail, kApiKey, at(1714568400)), token(kEmail, "another-key", at(1714568400)));
}

TEST(HostrahaSignerTest, HourStampIsUtcWithTwoDigitFields) {
  EXPECT_EQ(hour_stamp(at(0)), "70-01-01 00");
  EXPECT_EQ(hour_stamp(at(4102444799)), "99-12-31 23");  // 2099-12-31 23:59:59
  EXPECT_EQ(hour_stamp(at(4102444800)), "00-01-01 00");  // 2100
  // Sub-second parts do not round up into the next hour.
  EXPECT_EQ(hour_stamp(at(1714571999) + std::chrono::milliseconds(999)), "24-05-01 13");
}

// Runs PHP live when it is installed, over a spread of times, so the vectors above are not the
// only evidence.
std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  while (const std::size_t got = std::fread(buffer, 1, sizeof buffer, pipe))
    out.append(buffer, got);
  ::pclose(pipe);
  return out;
}

TEST(HostrahaSignerTest, MatchesLivePhpOverManyHours) {
  if (run("command -v php >/dev/null 2>&1 && echo yes") != "yes\n") {
    GTEST_SKIP() << "php is not on PATH";
  }
  // Every 7 hours 13 minutes over about three years, across month and year ends.
  std::vector<std::int64_t> times;
  for (std::int64_t t = 1700000000; times.size() < 400; t += 7 * 3600 + 13 * 60)
    times.push_back(t);
  std::string list;
  for (const auto t : times)
    list += (list.empty() ? "" : ",") + std::to_string(t);
  const std::string script = "foreach ([" + list +
                             "] as $t) { echo base64_encode(hash_hmac(\"sha256\", \"" + kApiKey +
                             "\", \"" + kEmail + ":\" . gmdate(\"y-m-d H\", $t))), \"\\n\"; }";
  const std::string out = run("php -r '" + script + "'");

  std::string expected;
  for (const auto t : times)
    expected += token(kEmail, kApiKey, at(t)) + "\n";
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out, expected);
}

}  // namespace
}  // namespace portico::adapters::hostraha
