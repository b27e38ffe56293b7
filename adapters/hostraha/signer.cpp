#include "hostraha/signer.hpp"

#include <chrono>
#include <cstdio>

#include "portico/core/crypto.hpp"

namespace portico::adapters::hostraha {

std::string hour_stamp(core::TimePoint at) {
  const auto day = std::chrono::floor<std::chrono::days>(at);
  const std::chrono::year_month_day date{day};
  const auto hour = std::chrono::floor<std::chrono::hours>(at - day).count();
  const int year = static_cast<int>(date.year()) % 100;
  char text[48];  // roomy: the compiler cannot prove each field has two digits
  std::snprintf(text, sizeof text, "%02d-%02u-%02u %02d", year < 0 ? year + 100 : year,
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(hour));
  return text;
}

std::string token(std::string_view email, std::string_view api_key, core::TimePoint now) {
  std::string key(email);
  key += ':';
  key += hour_stamp(now);
  return core::crypto::base64(core::crypto::hex(core::crypto::hmac_sha256(key, api_key)));
}

}  // namespace portico::adapters::hostraha
