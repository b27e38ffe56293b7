#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "portico/config/config.hpp"

namespace portico::config {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Optimal string alignment distance, case-insensitive: a swapped pair of letters is one edit.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

template <typename Value>
const Value* get_setting(const ProviderConfig& provider, std::string_view key, const char* kind) {
  const auto found = provider.settings.find(key);
  const Value* value =
      found == provider.settings.end() ? nullptr : std::get_if<Value>(&found->second);
  if (value == nullptr) {
    throw std::logic_error("provider '" + provider.name + "' has no " + kind + " setting '" +
                           std::string(key) + "'");
  }
  return value;
}

const std::vector<std::string>* find_route(
    const std::map<std::string, std::vector<std::string>, std::less<>>& routes,
    std::string_view product) {
  const auto found = routes.find(product);
  return found == routes.end() ? nullptr : &found->second;
}

// The entry of the longest suffix matching `domain_name` on a label boundary, else of "*";
// nullptr when neither. Case-insensitive; a trailing dot is ignored.
template <typename Value>
const std::pair<std::string, Value>* longest_suffix(
    const std::vector<std::pair<std::string, Value>>& entries, std::string_view domain_name) {
  std::string dotted = ".";
  for (char c : domain_name)
    dotted += lower(c);
  if (dotted.size() > 1 && dotted.back() == '.') dotted.pop_back();

  const std::pair<std::string, Value>* best = nullptr;
  const std::pair<std::string, Value>* fallback = nullptr;
  std::size_t best_length = 0;
  for (const auto& entry : entries) {
    const std::string& suffix = entry.first;
    if (suffix == "*") {
      fallback = &entry;
    } else if (dotted.ends_with(suffix) && suffix.size() > best_length) {
      // The suffix starts with a dot, so it can only match on a label boundary.
      best = &entry;
      best_length = suffix.size();
    }
  }
  return best != nullptr ? best : fallback;
}

template <typename Value>
std::optional<Value> find_value(const std::map<std::string, Value, std::less<>>& values,
                                std::string_view key) {
  const auto found = values.find(key);
  if (found == values.end()) return std::nullopt;
  return found->second;
}

}  // namespace

std::string_view category_name(Category category) {
  switch (category) {
    case Category::domains:
      return "domains";
    case Category::ssl:
      return "ssl";
    case Category::hosting:
      return "hosting";
  }
  return "unknown";
}

std::string ListenAddress::text() const {
  const std::string shown = host.find(':') == std::string::npos ? host : "[" + host + "]";
  return shown + ":" + std::to_string(port);
}

std::string Endpoint::origin() const {
  std::string out = scheme + "://";
  out += host.find(':') == std::string::npos ? host : "[" + host + "]";
  if (port != (tls() ? 443 : 80)) out += ":" + std::to_string(port);
  return out;
}

std::string Endpoint::url() const {
  return origin() + base_path;
}

const std::string& ProviderConfig::string(std::string_view key) const {
  return *get_setting<std::string>(*this, key, "string");
}

std::int64_t ProviderConfig::integer(std::string_view key) const {
  return *get_setting<std::int64_t>(*this, key, "integer");
}

bool ProviderConfig::boolean(std::string_view key) const {
  return *get_setting<bool>(*this, key, "boolean");
}

const core::Secret& ProviderConfig::secret(std::string_view key) const {
  return *get_setting<core::Secret>(*this, key, "secret");
}

bool ProviderConfig::has(std::string_view key) const {
  return settings.contains(key);
}

std::vector<std::string> ProviderConfig::secret_values() const {
  std::vector<std::string> values;
  for (const auto& [key, value] : settings) {
    if (const auto* secret = std::get_if<core::Secret>(&value)) {
      values.emplace_back(secret->reveal());
    }
  }
  return values;
}

const std::vector<std::string>* RoutingConfig::route_domain(std::string_view domain_name) const {
  const auto* entry = longest_suffix(domains, domain_name);
  return entry == nullptr ? nullptr : &entry->second;
}

const std::string* RoutingConfig::domain_route_key(std::string_view domain_name) const {
  const auto* entry = longest_suffix(domains, domain_name);
  return entry == nullptr ? nullptr : &entry->first;
}

const std::vector<std::string>* RoutingConfig::route_ssl(std::string_view product) const {
  return find_route(ssl, product);
}

const std::vector<std::string>* RoutingConfig::route_hosting(std::string_view product) const {
  return find_route(hosting, product);
}

const DomainPrices* PricingConfig::domain(std::string_view domain_name) const {
  const auto* entry = longest_suffix(domains, domain_name);
  return entry == nullptr ? nullptr : &entry->second;
}

const std::string* PricingConfig::domain_key(std::string_view domain_name) const {
  const auto* entry = longest_suffix(domains, domain_name);
  return entry == nullptr ? nullptr : &entry->first;
}

std::optional<std::int64_t> PricingConfig::certificate(std::string_view product) const {
  return find_value(ssl, product);
}

std::optional<std::int64_t> PricingConfig::hosting_plan(std::string_view plan) const {
  return find_value(hosting, plan);
}

int currency_exponent(std::string_view currency) {
  // ISO 4217's minor units: the currencies without one, and those with three digits.
  static constexpr std::string_view kNoDecimals[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                                     "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                                     "VND", "VUV", "XAF", "XOF", "XPF"};
  static constexpr std::string_view kThreeDecimals[] = {"BHD", "IQD", "JOD", "KWD",
                                                        "LYD", "OMR", "TND"};
  const auto listed = [currency](const auto& codes) {
    return std::find(std::begin(codes), std::end(codes), currency) != std::end(codes);
  };
  if (listed(kNoDecimals)) return 0;
  if (listed(kThreeDecimals)) return 3;
  return 2;
}

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    // Replacing every letter is no typo: "ab" does not suggest "xy".
    if (distance > limit || distance >= std::max(word.size(), candidate.size())) continue;
    if (best == nullptr || distance < best_distance) {
      best = &candidate;
      best_distance = distance;
    }
  }
  return best == nullptr ? std::string() : *best;
}

}  // namespace portico::config
