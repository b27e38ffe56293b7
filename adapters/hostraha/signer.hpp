#pragma once

#include <string>
#include <string_view>

#include "portico/core/clock.hpp"

// The Domains Reseller `token` header, as the vendor's own client computes it
// (docs/upstreams/hostraha.md, "Authentication"). Pure: the time is an argument.
namespace portico::adapters::hostraha {

// PHP's gmdate("y-m-d H") at `at`: UTC, two-digit year, e.g. "24-05-01 13".
std::string hour_stamp(core::TimePoint at);

// base64_encode(hash_hmac("sha256", $api_key, "$email:" . gmdate("y-m-d H"))): PHP's hash_hmac
// takes the data first, so the API key is the data and "email:hour" the key, and it returns
// lowercase hex, which is what gets base64-encoded (88 characters).
std::string token(std::string_view email, std::string_view api_key, core::TimePoint now);

}  // namespace portico::adapters::hostraha
