#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "portico/core/error.hpp"
#include "portico/core/model.hpp"
#include "portico/core/result.hpp"

// Pure conversions between GeniusPlugin's answers and the normalized model
// (docs/upstreams/geniusplugin.md, "Operations" and "How the adapter reads answers"). Nothing
// here does I/O.
namespace portico::adapters::geniusplugin {

// The `domain` sent with account calls (connection, getcredit): the page's "example.com for
// N/A".
inline constexpr std::string_view kAccountDomain = "example.com";

// The plans sold, from the lowest to the highest, spelled as the supplier does.
const std::vector<std::string>& plans();
bool is_plan(std::string_view plan);

// Whether `status` is the success word ("ok", any case).
bool is_ok(std::string_view status);

// The normalized error for a `status` that is not a success, by the contract's table (first
// match wins, case-insensitive). The supplier's words never reach the message.
core::Error error_from_status(std::string_view status);

// 502 upstream_bad_response: not HTTP 200, not a JSON object, no string status, or a success
// whose content cannot be read. `write`: the call may have changed something (create, renew),
// so its outcome is unknown.
core::Error bad_response(bool write);

// getcredit's "OK - 1500.26" as an exact amount in minor units of `currency` (ISO 4217; its
// exponent bounds the decimals). Another status is its error; an amount that cannot be read is
// upstream_bad_response.
core::Result<core::Money> credit_from_status(std::string_view status, std::string_view currency);

// list's {"status":"active"|"suspended","exist":"exists","package":"100k"}: `known` with the
// supplier's status and, when the answer names it, plan. Another status is its error (an
// unknown package is 409 hosting_missing).
core::Result<core::HostingPackage> package_from_list(const rapidjson::Value& answer,
                                                     const core::HostingPackage& known);

// autoregister's license token; empty when the answer has none (the package exists anyway).
std::string token_from_create(const rapidjson::Value& answer);

// The word packageupdate's `status` field wants for a package in `status` (active, suspended,
// cancelled).
std::string_view supplier_status_word(core::HostingStatus status);

}  // namespace portico::adapters::geniusplugin
