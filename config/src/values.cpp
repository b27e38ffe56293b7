#include "values.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

#include "portico/core/text.hpp"

namespace portico::config::detail {

namespace {

using core::text::lowercase;

core::Error invalid(std::string message) {
  return core::Error::invalid_request("invalid_config", std::move(message));
}

bool is_ipv4(std::string_view text) {
  in_addr address{};
  return inet_pton(AF_INET, std::string(text).c_str(), &address) == 1;
}

bool is_ipv6(std::string_view text) {
  in6_addr address{};
  return inet_pton(AF_INET6, std::string(text).c_str(), &address) == 1;
}

// Decimal digits only, within [min, 65535].
std::optional<std::uint16_t> parse_port(std::string_view text, unsigned min) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < min || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool is_hostname(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t label_start = 0;
  while (label_start <= host.size()) {
    std::size_t dot = host.find('.', label_start);
    if (dot == std::string_view::npos) dot = host.size();
    const std::string_view label = host.substr(label_start, dot - label_start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) return false;
    }
    label_start = dot + 1;
  }
  return true;
}

bool is_path_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("/-._~%!$&'()*+,;=:@").find(c) != std::string_view::npos;
}

bool is_variable_name(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

// Amounts beyond this many minor units are refused, so that quantities times prices and the
// sum of a month of orders stay far from the limits of 64 bits.
constexpr std::int64_t kMaxMinorUnits = 1'000'000'000'000'000;  // 10^15

}  // namespace

bool is_ip_literal(std::string_view text) {
  return is_ipv4(text) || is_ipv6(text);
}

core::Result<ListenAddress> parse_listen_address(std::string_view text) {
  static const std::string kShape =
      "expected host:port with an IPv4 address or [IPv6]:port, e.g. 127.0.0.1:8080 or "
      "\"[::1]:8080\"";
  ListenAddress address;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return invalid("invalid listen address: " + kShape);
    }
    address.host = std::string(text.substr(1, close - 1));
    if (!is_ipv6(address.host)) return invalid("invalid listen address: not an IPv6 address");
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return invalid("invalid listen address: " + kShape);
    address.host = std::string(text.substr(0, colon));
    if (!is_ipv4(address.host)) {
      return invalid(is_ipv6(address.host)
                         ? "invalid listen address: put an IPv6 address in brackets, "
                           "e.g. \"[::1]:8080\""
                         : "invalid listen address: " + kShape);
    }
    port_text = text.substr(colon + 1);
  }
  const auto port = parse_port(port_text, 0);
  if (!port) return invalid("invalid listen address: the port must be a number from 0 to 65535");
  address.port = *port;
  return address;
}

core::Result<Endpoint> parse_endpoint(std::string_view text) {
  Endpoint endpoint;
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return invalid("invalid URL: it must start with http:// or https://");
  }
  endpoint.scheme = lowercase(text.substr(0, scheme_end));
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    return invalid("invalid URL: the scheme must be http or https");
  }
  const std::string_view rest = text.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return invalid("invalid URL: it must not have a query or a fragment");
  }
  const std::size_t path_start = std::min(rest.find('/'), rest.size());
  const std::string_view authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) {
    return invalid("invalid URL: it must not contain credentials (use the secret fields)");
  }

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid("invalid URL: unclosed '[' in the host");
    endpoint.host = lowercase(authority.substr(1, close - 1));
    if (!is_ipv6(endpoint.host)) return invalid("invalid URL: the host is not an IPv6 address");
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid("invalid URL: unexpected text after the host");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.find(':');
    endpoint.host = lowercase(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (endpoint.host.empty()) return invalid("invalid URL: it has no host");
    if (!is_hostname(endpoint.host)) return invalid("invalid URL: the host is not a valid name");
  }
  if (has_port) {
    const auto port = parse_port(port_text, 1);
    if (!port) return invalid("invalid URL: the port must be a number from 1 to 65535");
    endpoint.port = *port;
  } else {
    endpoint.port = endpoint.tls() ? 443 : 80;
  }

  std::string_view path = rest.substr(path_start);
  for (char c : path) {
    if (!is_path_char(c))
      return invalid("invalid URL: the path holds a character that is not allowed");
  }
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  endpoint.base_path = std::string(path);
  return endpoint;
}

core::Result<std::string> expand_environment(std::string_view text, const Environment& env) {
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t dollar = text.find('$', at);
    if (dollar == std::string_view::npos) {
      out.append(text.substr(at));
      break;
    }
    out.append(text.substr(at, dollar - at));
    const std::string_view tail = text.substr(dollar);
    if (tail.starts_with("$${")) {
      out.append("${");
      at = dollar + 3;
    } else if (tail.starts_with("${")) {
      const std::size_t close = text.find('}', dollar + 2);
      if (close == std::string_view::npos) {
        return invalid("unterminated '${' (write $${ for a literal ${)");
      }
      const std::string_view name = text.substr(dollar + 2, close - dollar - 2);
      if (!is_variable_name(name)) {
        return invalid(
            "invalid environment variable reference: use ${NAME} with letters, digits and '_' "
            "(write $${ for a literal ${)");
      }
      const std::optional<std::string> value = env(name);
      if (!value) return invalid("environment variable '" + std::string(name) + "' is not set");
      out.append(*value);
      at = close + 1;
    } else {
      out.push_back('$');
      at = dollar + 1;
    }
  }
  return out;
}

core::Result<std::int64_t> parse_amount(std::string_view text, int exponent,
                                        std::string_view unit) {
  static const std::string kShape = "expected a decimal amount such as 12.50";
  if (text.starts_with('-')) return invalid("must not be negative");
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  const bool has_exponent = text.find_first_of("eE") != std::string_view::npos &&
                            text.find_first_not_of("0123456789.eE+-") == std::string_view::npos;
  if (has_exponent) return invalid("write the amount without an exponent, e.g. 1500.00");
  if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(fraction))) {
    return invalid(kShape);
  }
  if (whole.size() > 1 && whole.front() == '0') {
    return invalid(kShape + " (without leading zeros)");
  }
  if (fraction.size() > static_cast<std::size_t>(exponent)) {
    return invalid(std::string(unit) + " amounts have " +
                   (exponent == 0 ? std::string("no decimals")
                                  : "at most " + std::to_string(exponent) + " decimals"));
  }
  // Digits of the whole part and the fraction padded to `exponent` digits: the minor units.
  std::string digits(whole);
  digits.append(fraction);
  digits.append(static_cast<std::size_t>(exponent) - fraction.size(), '0');
  std::int64_t minor = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), minor);
  if (error != std::errc() || end != digits.data() + digits.size() || minor > kMaxMinorUnits) {
    return invalid("the amount is too large");
  }
  return minor;
}

std::string unreadable_reason(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) return "no such file";
  if (std::filesystem::is_directory(status)) return "it is a directory";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return std::strerror(errno);
  return {};
}

core::Result<std::string> read_trimmed_file(const std::filesystem::path& path,
                                            std::size_t max_bytes) {
  const std::string reason = unreadable_reason(path);
  if (!reason.empty()) return invalid("cannot read '" + path.string() + "': " + reason);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) return invalid("cannot read '" + path.string() + "': " + std::strerror(errno));
  // The limit is on what is left after trimming: `openssl rand -base64 32 > key` writes 44
  // characters and a newline. Some trailing whitespace is read beyond it for that.
  constexpr std::size_t kTrailingSlack = 64;
  std::string contents(max_bytes + kTrailingSlack + 1, '\0');
  const std::size_t size = std::fread(contents.data(), 1, contents.size(), file.get());
  if (std::ferror(file.get()) != 0) return invalid("cannot read '" + path.string() + "'");
  const bool truncated = size == contents.size();
  contents.resize(size);
  const std::size_t last = contents.find_last_not_of(" \t\r\n");
  contents.resize(last == std::string::npos ? 0 : last + 1);
  if (truncated || contents.size() > max_bytes) {
    return invalid("'" + path.string() + "' is larger than " + std::to_string(max_bytes) +
                   " bytes");
  }
  return contents;
}

}  // namespace portico::config::detail
