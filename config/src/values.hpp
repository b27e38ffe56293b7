#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "portico/config/config.hpp"
#include "portico/core/result.hpp"

// Pure checks and conversions of single config values. Their error messages never repeat the
// value itself (it may hold a secret); the caller adds the file position and the YAML path.
namespace portico::config::detail {

// "host:port": an IPv4 literal, or an IPv6 literal in brackets; port 0..65535.
core::Result<ListenAddress> parse_listen_address(std::string_view text);

// "http[s]://host[:port][/base/path]", without credentials, query or fragment.
core::Result<Endpoint> parse_endpoint(std::string_view text);

// An IPv4 or IPv6 literal (no brackets).
bool is_ip_literal(std::string_view text);

// Replaces each ${NAME} with the variable's value; "$${" stands for a literal "${".
core::Result<std::string> expand_environment(std::string_view text, const Environment& env);

// A non-negative decimal amount ("12", "12.5", "0.10") in minor units of a currency whose
// minor unit has `exponent` decimals, read exactly from its text (never through a double): no
// sign, no exponent, no leading zeros, at most `exponent` decimals. `unit` names the currency
// in messages ("USD amounts have at most 2 decimals").
core::Result<std::int64_t> parse_amount(std::string_view text, int exponent, std::string_view unit);

// Why `path` cannot be opened for reading, or empty when it can.
std::string unreadable_reason(const std::filesystem::path& path);

// The file's contents (at most `max_bytes`), with trailing whitespace removed.
core::Result<std::string> read_trimmed_file(const std::filesystem::path& path,
                                            std::size_t max_bytes);

}  // namespace portico::config::detail
