#include "portico/core/webhook.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <limits>

#include "portico/core/clock.hpp"
#include "portico/core/crypto.hpp"
#include "portico/core/domain_name.hpp"
#include "portico/core/text.hpp"

namespace portico::core::webhook {

namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::size_t kSecretChars = 32;
constexpr std::size_t kDeliveryChars = 24;
constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_base62(char c) {
  return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool is_word(std::string_view word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
  });
}

}  // namespace

bool event_matches(std::string_view pattern, std::string_view type) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    const std::string_view family = pattern.substr(0, pattern.size() - 1);  // "domain."
    return type.size() > family.size() && type.substr(0, family.size()) == family;
  }
  return pattern == type;
}

bool valid_pattern(std::string_view pattern) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    pattern.remove_suffix(2);
  }
  if (pattern.empty()) return false;
  for (;;) {
    const std::size_t dot = pattern.find('.');
    if (!is_word(pattern.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    pattern.remove_prefix(dot + 1);
  }
}

std::string delivery_id(std::string_view event_id, std::string_view endpoint_id) {
  // A newline cannot occur in an id, so no two pairs hash the same text.
  const std::string digest =
      crypto::sha256(std::string(event_id) + "\n" + std::string(endpoint_id));
  // The digest as a big-endian number written in base 62: 24 digits use 143 of its 256 bits.
  std::vector<std::uint8_t> number(digest.begin(), digest.end());
  std::string id = "dlv_";
  for (std::size_t i = 0; i < kDeliveryChars; ++i) {
    unsigned remainder = 0;
    for (std::uint8_t& byte : number) {
      const unsigned value = (remainder << 8U) | byte;
      byte = static_cast<std::uint8_t>(value / 62);
      remainder = value % 62;
    }
    id.push_back(kBase62[remainder]);
  }
  return id;
}

std::string make_secret(Random& random) {
  return std::string(kSecretPrefix) + random.base62(kSecretChars);
}

bool is_secret(std::string_view secret) {
  return secret.size() == kSecretPrefix.size() + kSecretChars &&
         secret.substr(0, kSecretPrefix.size()) == kSecretPrefix &&
         std::all_of(secret.begin() + static_cast<std::ptrdiff_t>(kSecretPrefix.size()),
                     secret.end(), is_base62);
}

std::string signature_header(std::int64_t unix_seconds, std::string_view body,
                             const std::vector<std::string_view>& secrets) {
  const std::string timestamp = std::to_string(unix_seconds);
  const std::string signed_text = timestamp + "." + std::string(body);
  std::string header = "t=" + timestamp;
  for (std::string_view secret : secrets) {
    header += ",v1=" + crypto::hex(crypto::hmac_sha256(secret, signed_text));
  }
  return header;
}

bool verify_signature(std::string_view header, std::string_view body, std::string_view secret,
                      std::int64_t now_unix_seconds, std::int64_t tolerance_seconds) {
  std::optional<std::int64_t> timestamp;
  std::string_view timestamp_text;
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view item = text::trim(header.substr(0, comma));
    header.remove_prefix(comma == std::string_view::npos ? header.size() : comma + 1);
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view name = item.substr(0, equals);
    const std::string_view value = item.substr(equals + 1);
    if (name == "t") {
      std::int64_t parsed = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      // Two timestamps are ambiguous: refuse rather than pick one.
      if (timestamp || value.empty() || ec != std::errc() || end != value.data() + value.size() ||
          !is_digit(value.front())) {
        return false;
      }
      timestamp = parsed;
      timestamp_text = value;
    } else if (name == "v1") {
      signatures.push_back(value);
    }
  }
  if (!timestamp || signatures.empty()) return false;
  const std::int64_t skew = now_unix_seconds - *timestamp;
  if (skew > tolerance_seconds || skew < -tolerance_seconds) return false;
  const std::string expected = crypto::hex(
      crypto::hmac_sha256(secret, std::string(timestamp_text) + "." + std::string(body)));
  bool matched = false;
  // Every candidate is compared, so the time taken does not say which one matched.
  for (std::string_view candidate : signatures) {
    matched = crypto::constant_time_equal(expected, candidate) || matched;
  }
  return matched;
}

std::optional<std::chrono::milliseconds> retry_delay(
    int failed_attempts, Random& random, std::optional<std::chrono::seconds> retry_after) {
  if (failed_attempts >= kMaxAttempts) return std::nullopt;
  const auto step = std::chrono::duration_cast<std::chrono::milliseconds>(
      kRetrySchedule[static_cast<std::size_t>(std::max(failed_attempts, 0))]);
  // Up to 10% more, so receivers that failed together are not all retried in the same instant.
  std::uint64_t draw = 0;
  random.fill({reinterpret_cast<std::uint8_t*>(&draw), sizeof draw});  // NOLINT(*-reinterpret-cast)
  const auto jitter_span = static_cast<std::uint64_t>(step.count() / 10);
  std::chrono::milliseconds delay =
      step + std::chrono::milliseconds(static_cast<std::int64_t>(draw % (jitter_span + 1)));
  if (retry_after) {
    const std::chrono::seconds capped = std::min(*retry_after, kRetrySchedule.back());
    delay = std::max(delay, std::chrono::duration_cast<std::chrono::milliseconds>(capped));
  }
  return delay;
}

namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDays = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// A cursor over an HTTP-date: each read consumes exactly what it names or fails.
struct DateReader {
  std::string_view rest;

  bool literal(std::string_view expected) {
    if (rest.substr(0, expected.size()) != expected) return false;
    rest.remove_prefix(expected.size());
    return true;
  }
  bool number(std::size_t width, int& out) {
    if (rest.size() < width) return false;
    for (std::size_t i = 0; i < width; ++i) {
      if (!is_digit(rest[i])) return false;
    }
    std::from_chars(rest.data(), rest.data() + width, out);
    rest.remove_prefix(width);
    return true;
  }
  template <std::size_t N>
  bool one_of(const std::array<std::string_view, N>& names, int& index) {
    for (std::size_t i = 0; i < N; ++i) {
      if (literal(names[i])) {
        index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  bool clock(int& hour, int& minute, int& second) {
    return number(2, hour) && literal(":") && number(2, minute) && literal(":") &&
           number(2, second);
  }
};

// The three forms RFC 9110 section 5.6.7 makes recipients accept.
std::optional<TimePoint> parse_http_date(std::string_view value, std::int64_t now_unix_seconds) {
  int weekday = 0, day = 0, month = 0, year = 0, hour = 0, minute = 0, second = 0;
  bool parsed = false;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (DateReader in{value};
      in.one_of(kDays, weekday) && in.literal(", ") && in.number(2, day) && in.literal(" ") &&
      in.one_of(kMonths, month) && in.literal(" ") && in.number(4, year) && in.literal(" ") &&
      in.clock(hour, minute, second) && in.literal(" GMT") && in.rest.empty()) {
    parsed = true;
  }
  // rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT"
  if (DateReader in{value};
      !parsed && in.one_of(kLongDays, weekday) && in.literal(", ") && in.number(2, day) &&
      in.literal("-") && in.one_of(kMonths, month) && in.literal("-") && in.number(2, year) &&
      in.literal(" ") && in.clock(hour, minute, second) && in.literal(" GMT") && in.rest.empty()) {
    // A two-digit year more than 50 years ahead is the latest past year ending so (9110 5.6.7).
    const auto now_year =
        static_cast<int>(std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(
                                                         from_unix_seconds(now_unix_seconds)))
                             .year());
    year += now_year / 100 * 100;
    if (year > now_year + 50) year -= 100;
    parsed = true;
  }
  // asctime-date: "Sun Nov  6 08:49:37 1994" (a one-digit day is padded with a space)
  if (DateReader in{value}; !parsed && in.one_of(kDays, weekday) && in.literal(" ") &&
                            in.one_of(kMonths, month) && in.literal(" ")) {
    const bool day_read = in.literal(" ") ? in.number(1, day) : in.number(2, day);
    parsed = day_read && in.literal(" ") && in.clock(hour, minute, second) && in.literal(" ") &&
             in.number(4, year) && in.rest.empty();
  }
  if (!parsed || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month + 1)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  return TimePoint(std::chrono::sys_days(date)) + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second);
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::int64_t now_unix_seconds) {
  value = text::trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), is_digit)) {
    // A value too large to hold is 2^31 seconds, as RFC 9111 section 1.2.2 has caches do.
    constexpr std::int64_t kLargest = std::int64_t{1} << 31;
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    (void)end;
    return std::chrono::seconds(ec == std::errc() ? std::min(seconds, kLargest) : kLargest);
  }
  const std::optional<TimePoint> at = parse_http_date(value, now_unix_seconds);
  if (!at) return std::nullopt;
  return std::chrono::seconds(std::max<std::int64_t>(0, unix_seconds(*at) - now_unix_seconds));
}

namespace {

struct V4Range {
  std::uint32_t base;
  int prefix;
  std::string_view reason;
};

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24U) | (b << 16U) | (c << 8U) | d;
}

// First match wins. RFC 6890's special-purpose registry, as far as a webhook target goes.
constexpr std::array<V4Range, 19> kV4Ranges = {{
    {v4(0, 0, 0, 0), 32, "unspecified"},
    {v4(0, 0, 0, 0), 8, "reserved"},  // "this network"
    {v4(127, 0, 0, 0), 8, "loopback"},
    {v4(10, 0, 0, 0), 8, "private"},
    {v4(172, 16, 0, 0), 12, "private"},
    {v4(192, 168, 0, 0), 16, "private"},
    {v4(100, 100, 100, 200), 32, "metadata"},  // Alibaba Cloud's metadata service
    {v4(100, 64, 0, 0), 10, "private"},        // carrier-grade NAT (RFC 6598)
    {v4(169, 254, 0, 0), 16, "link_local"},    // holds 169.254.169.254, the cloud metadata
    {v4(192, 0, 0, 0), 24, "reserved"},        // IETF protocol assignments
    {v4(192, 0, 2, 0), 24, "reserved"},        // TEST-NET-1
    {v4(198, 51, 100, 0), 24, "reserved"},     // TEST-NET-2
    {v4(203, 0, 113, 0), 24, "reserved"},      // TEST-NET-3
    {v4(198, 18, 0, 0), 15, "reserved"},       // benchmarking
    {v4(192, 88, 99, 0), 24, "reserved"},      // the former 6to4 relay anycast
    {v4(224, 0, 0, 0), 4, "multicast"},
    {v4(255, 255, 255, 255), 32, "reserved"},  // limited broadcast
    {v4(240, 0, 0, 0), 4, "reserved"},
    {v4(0, 0, 0, 0), 0, ""},  // everything else is public unicast
}};

std::string v4_reason(std::uint32_t address) {
  for (const V4Range& range : kV4Ranges) {
    const std::uint32_t mask =
        range.prefix == 0 ? 0 : ~std::uint32_t{0} << static_cast<unsigned>(32 - range.prefix);
    if ((address & mask) == range.base) return std::string(range.reason);
  }
  return {};
}

using V6 = std::array<std::uint8_t, 16>;

std::uint32_t v4_at(const V6& address, std::size_t offset) {
  return (std::uint32_t{address[offset]} << 24U) | (std::uint32_t{address[offset + 1]} << 16U) |
         (std::uint32_t{address[offset + 2]} << 8U) | std::uint32_t{address[offset + 3]};
}

// The first `bits` bits of `address` equal those of `prefix` (written out as 16 bytes).
bool in_prefix(const V6& address, const V6& prefix, int bits) {
  for (int i = 0; i < bits; ++i) {
    const auto byte = static_cast<std::size_t>(i / 8);
    const auto bit = static_cast<unsigned>(7 - i % 8);
    if (((address[byte] >> bit) & 1U) != ((prefix[byte] >> bit) & 1U)) return false;
  }
  return true;
}

constexpr V6 kZero{};
constexpr V6 kMappedV4{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};  // ::ffff:0:0/96
constexpr V6 kNat64{0, 0x64, 0xff, 0x9b};                          // 64:ff9b::/96
constexpr V6 kNat64Local{0, 0x64, 0xff, 0x9b, 0, 1};               // 64:ff9b:1::/48
constexpr V6 kSixToFour{0x20, 0x02};                               // 2002::/16
constexpr V6 kAwsMetadata{0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0,    0,
                          0,    0,    0,    0,    0, 0, 0x02, 0x54};  // fd00:ec2::254

struct V6Range {
  V6 base;
  int prefix;
  std::string_view reason;
};

// After the forms that embed an IPv4 address; first match wins.
const std::array<V6Range, 14> kV6Ranges = {{
    {kAwsMetadata, 128, "metadata"},
    {kZero, 96, "reserved"},                     // the deprecated IPv4-compatible form
    {{0x01, 0x00}, 64, "reserved"},              // discard-only (RFC 6666)
    {{0xfe, 0x80}, 10, "link_local"},            // fe80::/10
    {{0xfe, 0xc0}, 10, "private"},               // site-local, deprecated
    {{0xfc, 0x00}, 7, "private"},                // unique local fc00::/7
    {{0xff, 0x00}, 8, "multicast"},              // ff00::/8
    {{0x20, 0x01, 0x0d, 0xb8}, 32, "reserved"},  // documentation 2001:db8::/32
    {{0x3f, 0xff}, 20, "reserved"},              // documentation 3fff::/20 (RFC 9637)
    {{0x20, 0x01, 0x00, 0x02}, 48, "reserved"},  // benchmarking 2001:2::/48
    {{0x20, 0x01, 0x00, 0x00}, 32, "reserved"},  // Teredo: a tunnel, not a receiver
    {{0x20, 0x01, 0x00, 0x10}, 28, "reserved"},  // ORCHID 2001:10::/28
    {{0x20, 0x01, 0x00, 0x20}, 28, "reserved"},  // ORCHIDv2 2001:20::/28
    {{0x20, 0x00}, 3, ""},                       // global unicast 2000::/3
}};

std::string v6_reason(const V6& address) {
  if (address == kZero) return "unspecified";
  V6 loopback{};
  loopback[15] = 1;
  if (address == loopback) return "loopback";
  // These carry an IPv4 address the packets end up at: judge that one.
  if (in_prefix(address, kMappedV4, 96) || in_prefix(address, kNat64, 96)) {
    return v4_reason(v4_at(address, 12));
  }
  if (in_prefix(address, kSixToFour, 16)) return v4_reason(v4_at(address, 2));
  if (in_prefix(address, kNat64Local, 48)) return "private";  // a local NAT64 (RFC 8215)
  for (const V6Range& range : kV6Ranges) {
    if (in_prefix(address, range.base, range.prefix)) return std::string(range.reason);
  }
  return "reserved";  // not allocated for unicast (outside 2000::/3)
}

}  // namespace

std::string refused_address_reason(std::string_view address) {
  // "[::1]" as it appears in a URL, and a zone ("fe80::1%eth0") as a resolver may print it.
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  if (const std::size_t zone = address.find('%');
      zone != std::string_view::npos && address.find(':') != std::string_view::npos) {
    address = address.substr(0, zone);
  }
  const std::string text(address);
  if (text.empty() || text.find('\0') != std::string::npos) return "invalid";
  // inet_pton takes only the strict forms: four decimal parts without leading zeros for IPv4,
  // RFC 4291 text for IPv6; "127.1" or "0x7f.1" are not literals here.
  in_addr v4_address{};
  if (inet_pton(AF_INET, text.c_str(), &v4_address) == 1) {
    return v4_reason(ntohl(v4_address.s_addr));
  }
  V6 v6_address{};
  if (inet_pton(AF_INET6, text.c_str(), v6_address.data()) == 1) return v6_reason(v6_address);
  return "invalid";
}

namespace {

core::Error invalid_url(const std::string& why) {
  return core::Error::invalid_request("invalid_url", "'url' " + why, "url");
}

bool host_name_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

// Labels of letters, digits, '-' and '_' (lowercased), at most one trailing dot.
bool plausible_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (host.back() == '.') host.remove_suffix(1);
  if (host.empty() || !std::all_of(host.begin(), host.end(), host_name_character)) return false;
  std::size_t start = 0;
  while (start <= host.size()) {
    const std::size_t dot = std::min(host.find('.', start), host.size());
    const std::size_t length = dot - start;
    if (length == 0 || length > 63) return false;
    start = dot + 1;
  }
  return true;
}

// An absolute http(s) URL with a host, no credentials and no fragment. Nothing is resolved.
}  // namespace

core::Result<TargetUrl> parse_target_url(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    // Spaces, control bytes and non-ASCII have to be percent-encoded (hosts in punycode); a
    // backslash is a path separator to some parsers and not to others.
    if (byte <= 0x20 || byte >= 0x7f || c == '\\') {
      return invalid_url(
          "must not contain spaces, backslashes, control or non-ASCII characters "
          "(percent-encode them; internationalized host names in their xn-- form).");
    }
  }
  const std::size_t separator = text.find("://");
  if (separator == std::string_view::npos) {
    return invalid_url("must be an absolute URL such as https://example.com/webhooks.");
  }
  TargetUrl url;
  url.scheme = core::text::lowercase(text.substr(0, separator));
  if (url.scheme != "http" && url.scheme != "https") {
    return invalid_url("must use the http or https scheme.");
  }
  if (text.find('#') != std::string_view::npos) {
    return invalid_url("must not have a fragment ('#...'): it is never sent.");
  }
  const std::string_view rest = text.substr(separator + 3);
  const std::size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view path_and_query = rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return invalid_url(
        "must not carry credentials ('user:password@'): receivers check the signature "
        "instead.");
  }

  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid_url("has an unclosed '[' in its host.");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid_url("has characters after its IPv6 address.");
      port = after.substr(1);
      has_port = true;
    }
    auto canonical = core::normalize_ipv6(host);
    if (!canonical) return invalid_url("holds an invalid IPv6 address.");
    url.host = std::move(*canonical);
    url.ip_literal = true;
  } else {
    const std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return invalid_url("must name a host.");
    url.host = core::text::lowercase(host);
    if (core::is_ipv4(url.host)) {
      url.ip_literal = true;
    } else if (!plausible_host_name(url.host)) {
      return invalid_url("must have a valid host name.");
    }
  }
  if (has_port) {
    int number = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (error != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535) {
      return invalid_url("has an invalid port (1 to 65535).");
    }
    url.port = static_cast<std::uint16_t>(number);
  } else {
    url.port = url.scheme == "https" ? 443 : 80;
  }
  if (path_and_query.empty()) {
    url.target = "/";
  } else if (path_and_query.front() == '?') {
    url.target = "/" + std::string(path_and_query);
  } else {
    url.target = std::string(path_and_query);
  }
  const bool ipv6 = url.ip_literal && url.host.find(':') != std::string::npos;
  url.text = url.scheme + "://" + (ipv6 ? "[" + url.host + "]" : url.host) +
             (has_port ? ":" + std::string(port) : std::string()) + std::string(path_and_query);
  return url;
}

}  // namespace portico::core::webhook
