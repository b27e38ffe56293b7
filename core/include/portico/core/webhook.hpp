#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portico/core/random.hpp"
#include "portico/core/result.hpp"

// The pure parts of outgoing webhooks: which events an endpoint takes, how a delivery is
// signed, when a failed attempt is retried and which target addresses are refused. No I/O.
namespace portico::core::webhook {

// A subscription pattern: an exact type ("ssl.issued"), a family ("domain.*": every type that
// starts with "domain.") or everything ("*").
bool event_matches(std::string_view pattern, std::string_view type);

// A pattern a partner may subscribe with: "*", or dot-separated lowercase words
// [a-z0-9_]+ with an optional final ".*" ("domain.*", "ssl.issued"). Unknown but well-formed
// types are accepted: new event types are additive.
bool valid_pattern(std::string_view pattern);

// The id of the delivery of one event to one endpoint: "dlv_" + 24 base62 characters derived
// from SHA-256 of both ids, so queuing the same pair twice is the same row, never two.
std::string delivery_id(std::string_view event_id, std::string_view endpoint_id);

// "whsec_" + 32 base62 characters (190 bits).
std::string make_secret(Random& random);
bool is_secret(std::string_view secret);

// The value of X-<Brand>-Signature: "t=<unix>,v1=<hex>[,v1=<hex>...]", one v1 per secret in
// the order given (the current secret first, then a rotated one still in its window), each
// the lowercase hex HMAC-SHA256 of "<unix>.<body>" keyed with the whole secret text
// ("whsec_..."), as the seed's verifiers compute it.
std::string signature_header(std::int64_t unix_seconds, std::string_view body,
                             const std::vector<std::string_view>& secrets);

// A receiver's check, as the seed describes it: some v1 matches one of `secret` in constant
// time and |now - t| <= tolerance. For tests and the CLI; the dispatcher only signs.
bool verify_signature(std::string_view header, std::string_view body, std::string_view secret,
                      std::int64_t now_unix_seconds, std::int64_t tolerance_seconds = 300);

// Attempt n (1-based) is due kRetrySchedule[n-1] after the previous failure (the first at
// once): 0, 30 s, 2 min, 10 min, 1 h, 6 h, 24 h. After the 7th failure the delivery is
// abandoned.
inline constexpr std::array<std::chrono::seconds, 7> kRetrySchedule = {
    std::chrono::seconds(0),    std::chrono::seconds(30),   std::chrono::seconds(120),
    std::chrono::seconds(600),  std::chrono::seconds(3600), std::chrono::seconds(21600),
    std::chrono::seconds(86400)};
inline constexpr int kMaxAttempts = static_cast<int>(kRetrySchedule.size());

// The wait before the attempt after `failed_attempts` failures (1..6): the ladder's step plus
// up to 10% jitter from `random`, or the receiver's Retry-After when that is later (capped at
// 24 h). std::nullopt when failed_attempts >= kMaxAttempts: abandon.
std::optional<std::chrono::milliseconds> retry_delay(
    int failed_attempts, Random& random, std::optional<std::chrono::seconds> retry_after);

// Retry-After as delta-seconds or an HTTP-date (RFC 9110 10.2.3), relative to `now_unix`;
// std::nullopt when absent or unparsable. A date in the past is 0.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::int64_t now_unix_seconds);

// An endpoint URL taken apart: absolute http or https, a host (a name, an IPv4 address or a
// bracketed IPv6 one), no credentials, no fragment, only visible ASCII. The API refuses
// anything else at creation; the dispatcher parses the stored URL again before each attempt
// (a stored value is never trusted).
struct TargetUrl {
  std::string text;    // normalized: scheme and host lowercased, IPv6 in canonical form
  std::string scheme;  // "http" | "https"
  std::string host;    // lowercase, IPv6 without brackets
  bool ip_literal = false;
  std::uint16_t port = 0;  // the scheme's default when the URL has none
  std::string target;      // path and query as given; "/" when the URL has no path
};
// A 400 invalid_url (param "url") saying what is wrong, else the parts.
core::Result<TargetUrl> parse_target_url(std::string_view text);

// Why a target address is refused unless webhooks.allow_private_targets, empty when it is a
// public unicast address. `address` is an IP literal (v4 or v6, v4-mapped v6 judged as v4):
// "loopback", "private" (RFC 1918, fc00::/7, 100.64/10 CGNAT), "link_local" (169.254/16,
// fe80::/10, which holds the 169.254.169.254 metadata service), "metadata" (fd00:ec2::254 and
// other well-known metadata addresses), "unspecified", "multicast", "reserved" (0/8, 240/4,
// broadcast, documentation and benchmarking ranges), "invalid" when not an IP literal.
std::string refused_address_reason(std::string_view address);

}  // namespace portico::core::webhook
