#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "portico/config/config.hpp"
#include "portico/core/crypto.hpp"

#include "values.hpp"
#include "yaml_reader.hpp"

namespace portico::config {

namespace {

using detail::Context;
using detail::MapReader;
using detail::Value;

constexpr std::size_t kAdminTokenMinLength = 16;
constexpr std::size_t kMaxConfigBytes = 4 << 20;
constexpr std::string_view kSslProducts[] = {"dv", "ov", "ev", "wildcard", "multi"};
constexpr std::string_view kCommonProviderKeys[] = {
    "type",    "endpoint",        "timeout_ms",     "ca_file",
    "sandbox", "max_concurrency", "source_address", "credit_floor",
    "retries", "circuit_breaker", "rate_limits",    "max_queue"};
// A supplier's balance is read in the currency of its account, which the config does not
// name: a floor is taken with the two decimals of most currencies.
constexpr int kCreditFloorExponent = 2;

std::chrono::milliseconds milliseconds(std::int64_t value) {
  return std::chrono::milliseconds(value);
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names)
    out += (out.empty() ? "" : ", ") + name;
  return out;
}

// "unknown <what> 'x'" with a hint, or the list of what exists when nothing is close.
std::string unknown_name_message(std::string_view what, const std::string& name,
                                 const std::vector<std::string>& known, std::string_view plural) {
  std::string message = "unknown " + std::string(what) + " '" + name + "'";
  const std::string hint = did_you_mean(name, known);
  if (!hint.empty()) return message + " (did you mean '" + hint + "'?)";
  if (known.empty()) return message + " (no " + std::string(plural) + " are configured)";
  return message + " (" + std::string(plural) + ": " + join(known) + ")";
}

bool all_of_chars(std::string_view text, bool (*allowed)(char)) {
  return std::all_of(text.begin(), text.end(), allowed);
}
bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_name_char(char c) {
  return is_lower_alnum(c) || c == '-' || c == '_';
}
bool is_label_char(char c) {
  return is_lower_alnum(c) || c == '-';
}
bool is_lower_letter(char c) {
  return c >= 'a' && c <= 'z';
}

bool is_instance_name(std::string_view name) {
  return !name.empty() && name.size() <= 63 && is_lower_alnum(name.front()) &&
         all_of_chars(name, is_name_char);
}

// "*" or "." followed by lowercase labels, e.g. ".co.ke".
bool is_domain_suffix(std::string_view suffix) {
  if (suffix == "*") return true;
  if (suffix.size() < 2 || suffix.front() != '.') return false;
  std::string_view rest = suffix.substr(1);
  while (true) {
    const std::size_t dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !all_of_chars(label, is_label_char)) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    rest = rest.substr(dot + 1);
  }
}

// An amount of money: a plain (unquoted) decimal scalar, read exactly from its text into minor
// units of a currency with `exponent` decimals.
std::int64_t read_amount(const Context& context, const Value& value, int exponent,
                         std::string_view unit) {
  const YAML::Node& node = value.node;
  if (!node.IsScalar()) {
    context.fail(
        value.mark, value.path,
        std::string("expected an amount such as 12.50, got ") + (node.IsMap()        ? "a map"
                                                                 : node.IsSequence() ? "a list"
                                                                                     : "nothing"));
  }
  if (node.Tag() == "!") {
    context.fail(value.mark, value.path,
                 "expected an amount such as 12.50, got a quoted string (remove the quotes)");
  }
  auto amount = detail::parse_amount(node.Scalar(), exponent, unit);
  if (!amount) context.fail(value.mark, value.path, amount.error().message);
  return *amount;
}

// A schema that collides with the common keys would make a config ambiguous: a programming
// error in the adapter, not a config error.
void check_schemas(const ProviderSchemas& schemas) {
  for (const auto& [type, schema] : schemas) {
    std::vector<std::string> names(std::begin(kCommonProviderKeys), std::end(kCommonProviderKeys));
    for (const FieldSpec& field : schema.fields) {
      std::vector<std::string> added = {field.name};
      if (field.kind == FieldKind::secret) added.push_back(field.name + "_file");
      for (const std::string& name : added) {
        if (name.empty() || std::find(names.begin(), names.end(), name) != names.end()) {
          throw std::logic_error("provider type '" + type + "' declares the field '" + name +
                                 "' twice or over a common field");
        }
        names.push_back(name);
      }
    }
  }
}

ListenAddress read_listen(const Context& context, MapReader& block) {
  const Value value = block.require("listen");
  auto address = detail::parse_listen_address(detail::read_string(context, value));
  if (!address) context.fail(value.mark, value.path, address.error().message);
  return std::move(address).value();
}

std::optional<TlsFiles> read_tls(MapReader& block) {
  std::optional<MapReader> tls = block.map("tls");
  if (!tls) return std::nullopt;
  TlsFiles files;
  files.cert_file = *tls->path("cert_file", true, true);
  files.key_file = *tls->path("key_file", true, true);
  tls->finish();
  return files;
}

ServerConfig read_server(const Context& context, MapReader& root) {
  MapReader block = *root.map("server", true);
  ServerConfig server;
  server.listen = read_listen(context, block);
  server.threads = static_cast<int>(block.integer("threads", 1, 64).value_or(2));
  server.max_body_bytes =
      static_cast<std::size_t>(block.integer("max_body_bytes", 1, 64 << 20).value_or(1 << 20));
  server.max_header_bytes =
      static_cast<std::size_t>(block.integer("max_header_bytes", 1024, 1 << 20).value_or(16384));
  server.read_timeout = milliseconds(block.integer("read_timeout_ms", 100, 600000).value_or(10000));
  server.idle_timeout =
      milliseconds(block.integer("idle_timeout_ms", 100, 3600000).value_or(30000));
  server.write_timeout =
      milliseconds(block.integer("write_timeout_ms", 100, 600000).value_or(10000));
  server.shutdown_grace =
      milliseconds(block.integer("shutdown_grace_ms", 0, 600000).value_or(10000));
  server.tls = read_tls(block);
  block.finish();
  return server;
}

bool overlaps(const ListenAddress& a, const ListenAddress& b) {
  const auto wildcard = [](const std::string& host) { return host == "0.0.0.0" || host == "::"; };
  return a.port != 0 && a.port == b.port &&
         (a.host == b.host || wildcard(a.host) || wildcard(b.host));
}

AdminConfig read_admin(const Context& context, MapReader& root, const ServerConfig& server) {
  MapReader block = *root.map("admin", true);
  AdminConfig admin;
  admin.listen = read_listen(context, block);
  if (overlaps(admin.listen, server.listen)) {
    const Value value = *block.find("listen");
    context.fail(value.mark, value.path, "must not be the address of server.listen");
  }
  admin.token = *block.secret("token", true, kAdminTokenMinLength);
  admin.tls = read_tls(block);
  block.finish();
  return admin;
}

StorageConfig read_storage(MapReader& root) {
  MapReader block = *root.map("storage", true);
  StorageConfig storage{*block.path("sqlite", true, false), std::nullopt};
  storage.encryption_key =
      block.secret("encryption_key", false, 44, 44, "32 random bytes in base64");
  if (storage.encryption_key) {
    auto key = core::crypto::from_base64(storage.encryption_key->reveal());
    if (!key || key->size() != 32) block.fail("'encryption_key' must be 32 bytes in base64");
  }
  block.finish();
  return storage;
}

IdempotencyConfig read_idempotency(MapReader& root) {
  IdempotencyConfig idempotency;
  std::optional<MapReader> block = root.map("idempotency");
  if (!block) return idempotency;
  const auto interval = [&block](std::string_view key, std::int64_t min, std::int64_t max,
                                 std::chrono::milliseconds fallback) {
    return std::chrono::milliseconds(block->integer(key, min, max).value_or(fallback.count()));
  };
  constexpr std::int64_t kDay = 86400000;
  idempotency.retention = interval("retention_ms", 60000, 30 * kDay, idempotency.retention);
  idempotency.settle = interval("settle_ms", 0, kDay, idempotency.settle);
  idempotency.reconcile_interval =
      interval("reconcile_interval_ms", 10, 3600000, idempotency.reconcile_interval);
  block->finish();
  return idempotency;
}

JobsConfig read_jobs(MapReader& root) {
  JobsConfig jobs;
  std::optional<MapReader> block = root.map("jobs");
  if (!block) return jobs;
  jobs.domain_refresh_interval =
      milliseconds(block->integer("domain_refresh_interval_ms", 1000, 7 * 86400000LL)
                       .value_or(jobs.domain_refresh_interval.count()));
  jobs.transfer_poll_interval =
      milliseconds(block->integer("transfer_poll_interval_ms", 1000, 86400000LL)
                       .value_or(jobs.transfer_poll_interval.count()));
  const auto interval = [&block](std::string_view key, std::int64_t min, std::int64_t max,
                                 std::chrono::milliseconds fallback) {
    return std::chrono::milliseconds(block->integer(key, min, max).value_or(fallback.count()));
  };
  constexpr std::int64_t kDay = 86400000;
  jobs.certificate_poll_interval =
      interval("certificate_poll_interval_ms", 1000, kDay, jobs.certificate_poll_interval);
  jobs.certificate_poll_max_interval =
      interval("certificate_poll_max_interval_ms", 1000, kDay, jobs.certificate_poll_max_interval);
  jobs.certificate_validation_timeout = interval("certificate_validation_timeout_ms", 1000,
                                                 90 * kDay, jobs.certificate_validation_timeout);
  jobs.certificate_expiry_notice =
      interval("certificate_expiry_notice_ms", 0, 90 * kDay, jobs.certificate_expiry_notice);
  jobs.balance_check_interval =
      interval("balance_check_interval_ms", 1000, kDay, jobs.balance_check_interval);
  jobs.usage_flush_interval =
      interval("usage_flush_interval_ms", 1000, 3600000, jobs.usage_flush_interval);
  jobs.enabled = block->boolean("enabled").value_or(true);
  block->finish();
  return jobs;
}

WebhooksConfig read_webhooks(const Context& context, MapReader& root) {
  WebhooksConfig webhooks;
  std::optional<MapReader> block = root.map("webhooks");
  if (!block) return webhooks;
  webhooks.enabled = block->boolean("enabled").value_or(true);
  if (const std::optional<Value> brand = block->find("header_brand")) {
    webhooks.header_brand = detail::read_string(context, *brand);
    // It becomes part of header names: an HTTP token, and short.
    if (webhooks.header_brand.empty() || webhooks.header_brand.size() > 32 ||
        !all_of_chars(webhooks.header_brand, [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
        })) {
      context.fail(brand->mark, brand->path, "must be 1 to 32 letters, digits or '-'");
    }
  }
  webhooks.allow_private_targets = block->boolean("allow_private_targets").value_or(false);
  webhooks.allow_http = block->boolean("allow_http").value_or(false);
  webhooks.ca_file = block->path("ca_file", false, true).value_or("");
  const auto milliseconds_of = [&block](std::string_view key, std::int64_t min, std::int64_t max,
                                        std::chrono::milliseconds fallback) {
    return std::chrono::milliseconds(block->integer(key, min, max).value_or(fallback.count()));
  };
  const auto count_of = [&block](std::string_view key, std::int64_t min, std::int64_t max,
                                 int fallback) {
    return static_cast<int>(block->integer(key, min, max).value_or(fallback));
  };
  webhooks.timeout = milliseconds_of("timeout_ms", 100, 60000, webhooks.timeout);
  webhooks.max_concurrency_per_endpoint =
      count_of("max_concurrency_per_endpoint", 1, 64, webhooks.max_concurrency_per_endpoint);
  webhooks.max_in_flight = count_of("max_in_flight", 1, 4096, webhooks.max_in_flight);
  webhooks.disable_after_failures =
      count_of("disable_after_failures", 1, 100000, webhooks.disable_after_failures);
  webhooks.max_endpoints_per_partner =
      count_of("max_endpoints_per_partner", 1, 1000, webhooks.max_endpoints_per_partner);
  webhooks.rotation_window =
      milliseconds_of("rotation_window_ms", 0, 7 * 86400000LL, webhooks.rotation_window);
  webhooks.poll_interval = milliseconds_of("poll_interval_ms", 10, 60000, webhooks.poll_interval);
  block->finish();
  return webhooks;
}

KeysConfig read_keys(const Context& context, MapReader& root) {
  KeysConfig keys;
  std::optional<MapReader> block = root.map("keys");
  if (!block) return keys;
  if (const std::optional<Value> brand = block->find("brand")) {
    keys.brand = detail::read_string(context, *brand);
    if (keys.brand.size() < 2 || keys.brand.size() > 8 ||
        !all_of_chars(keys.brand, is_lower_letter)) {
      context.fail(brand->mark, brand->path, "must be 2 to 8 lowercase letters a-z");
    }
  }
  keys.requests_per_second = static_cast<int>(
      block->integer("requests_per_second", 0, 100000).value_or(keys.requests_per_second));
  keys.burst = static_cast<int>(block->integer("burst", 1, 100000).value_or(keys.burst));
  block->finish();
  return keys;
}

core::RetryPolicy read_retries(MapReader& provider) {
  core::RetryPolicy retries;
  std::optional<MapReader> block = provider.map("retries");
  if (!block) return retries;
  retries.max_attempts =
      static_cast<int>(block->integer("max_attempts", 1, 10).value_or(retries.max_attempts));
  retries.base_delay =
      milliseconds(block->integer("base_delay_ms", 1, 60000).value_or(retries.base_delay.count()));
  retries.max_delay =
      milliseconds(block->integer("max_delay_ms", 1, 600000).value_or(retries.max_delay.count()));
  if (retries.max_delay < retries.base_delay) {
    block->fail("'max_delay_ms' must not be less than 'base_delay_ms'");
  }
  block->finish();
  return retries;
}

core::CircuitBreakerPolicy read_circuit_breaker(MapReader& provider) {
  core::CircuitBreakerPolicy policy;
  std::optional<MapReader> block = provider.map("circuit_breaker");
  if (!block) return policy;
  policy.failure_rate_percent = static_cast<int>(
      block->integer("failure_rate_percent", 1, 100).value_or(policy.failure_rate_percent));
  policy.min_calls =
      static_cast<int>(block->integer("min_calls", 1, 100000).value_or(policy.min_calls));
  policy.window =
      milliseconds(block->integer("window_ms", 100, 3600000).value_or(policy.window.count()));
  policy.open_for =
      milliseconds(block->integer("open_ms", 10, 3600000).value_or(policy.open_for.count()));
  policy.half_open_probes = static_cast<int>(
      block->integer("half_open_probes", 1, 100).value_or(policy.half_open_probes));
  block->finish();
  return policy;
}

// `rate_limits: [{requests: 100, per_ms: 5000}, ...]` replaces the type's published limits;
// `rate_limits: []` turns them off.
std::vector<core::RateLimit> read_rate_limits(const Context& context, MapReader& provider,
                                              const std::vector<core::RateLimit>& defaults) {
  const std::optional<Value> list = provider.find("rate_limits");
  if (!list) return defaults;
  std::vector<core::RateLimit> limits;
  if (list->node.IsSequence() && list->node.size() == 0) return limits;
  for (const Value& item : detail::read_list(context, *list)) {
    MapReader limit(context, item);
    limits.push_back({.requests = static_cast<int>(*limit.integer("requests", 1, 100000, true)),
                      .per = milliseconds(*limit.integer("per_ms", 1, 86400000, true))});
    limit.finish();
  }
  return limits;
}

void read_setting(const Context& context, MapReader& block, const FieldSpec& field,
                  ProviderConfig& provider) {
  constexpr std::int64_t kDefaultMaxSecret = 65536;
  if (field.kind == FieldKind::secret) {
    const auto min_length = static_cast<std::size_t>(std::max<std::int64_t>(4, field.min));
    const auto max_length = static_cast<std::size_t>(std::min(kDefaultMaxSecret, field.max));
    auto secret = block.secret(field.name, field.required, min_length, max_length, field.help);
    if (secret) provider.settings.emplace(field.name, std::move(*secret));
    return;
  }
  const std::optional<Value> value =
      field.required ? std::optional<Value>(block.require(field.name, field.help))
                     : block.find(field.name);
  if (!value) return;
  switch (field.kind) {
    case FieldKind::string: {
      std::string text = detail::read_string(context, *value);
      const auto length = static_cast<std::int64_t>(text.size());
      if (length < field.min || length > field.max) {
        context.fail(value->mark, value->path,
                     "must be " + std::to_string(std::max<std::int64_t>(1, field.min)) + " to " +
                         std::to_string(field.max) + " characters long");
      }
      provider.settings.emplace(field.name, std::move(text));
      break;
    }
    case FieldKind::integer:
      provider.settings.emplace(field.name,
                                detail::read_integer(context, *value, field.min, field.max));
      break;
    case FieldKind::boolean:
      provider.settings.emplace(field.name, detail::read_boolean(context, *value));
      break;
    case FieldKind::secret:
      break;
  }
}

ProviderConfig read_provider(const Context& context, MapReader& block, std::string name,
                             const ProviderSchemas& schemas) {
  ProviderConfig provider;
  provider.name = std::move(name);

  const Value type = block.require("type");
  provider.type = detail::read_string(context, type);
  const auto schema = schemas.find(provider.type);
  if (schema == schemas.end()) {
    std::vector<std::string> known;
    for (const auto& [known_type, unused] : schemas)
      known.push_back(known_type);
    context.fail(type.mark, type.path,
                 unknown_name_message("provider type", provider.type, known, "known types"));
  }

  const Value endpoint = block.require("endpoint");
  auto parsed = detail::parse_endpoint(detail::read_string(context, endpoint));
  if (!parsed) context.fail(endpoint.mark, endpoint.path, parsed.error().message);
  provider.endpoint = std::move(parsed).value();

  provider.timeout = milliseconds(block.integer("timeout_ms", 100, 600000).value_or(30000));
  provider.ca_file = block.path("ca_file", false, true).value_or("");
  provider.sandbox = block.boolean("sandbox").value_or(false);
  provider.max_concurrency =
      static_cast<int>(block.integer("max_concurrency", 1, 1024).value_or(8));
  const std::optional<Value> source =
      schema->second.requires_source_address
          ? std::optional<Value>(block.require(
                "source_address", "this supplier binds the account to a source IP address"))
          : block.find("source_address");
  if (source) {
    provider.source_address = detail::read_string(context, *source);
    if (!detail::is_ip_literal(provider.source_address)) {
      context.fail(source->mark, source->path, "expected an IPv4 or IPv6 address");
    }
  }

  if (const std::optional<Value> floor = block.find("credit_floor")) {
    provider.credit_floor = read_amount(context, *floor, kCreditFloorExponent, "credit_floor");
  }
  provider.retries = read_retries(block);
  provider.circuit_breaker = read_circuit_breaker(block);
  provider.rate_limits = read_rate_limits(context, block, schema->second.default_rate_limits);
  provider.max_queue =
      static_cast<int>(block.integer("max_queue", 0, 100000).value_or(provider.max_queue));

  for (const FieldSpec& field : schema->second.fields)
    read_setting(context, block, field, provider);
  block.finish();
  return provider;
}

std::map<std::string, ProviderConfig, std::less<>> read_providers(const Context& context,
                                                                  MapReader& root,
                                                                  const ProviderSchemas& schemas) {
  std::map<std::string, ProviderConfig, std::less<>> providers;
  std::optional<MapReader> block = root.map("providers");
  if (!block) return providers;
  for (const MapReader::Entry& entry : block->entries()) {
    if (!is_instance_name(entry.key)) {
      context.fail(entry.key_value.mark, entry.key_value.path,
                   "invalid instance name '" + entry.key +
                       "': use up to 63 lowercase letters, digits, '-' and '_', starting with a "
                       "letter or digit");
    }
    if (entry.value.node.IsNull()) {
      context.fail(entry.value.mark, entry.value.path,
                   "the provider block is empty (it needs at least 'type' and 'endpoint')");
    }
    MapReader provider(context, entry.value);
    providers.emplace(entry.key, read_provider(context, provider, entry.key, schemas));
  }
  block->finish();
  return providers;
}

class RouteReader {
 public:
  RouteReader(const Context& context,
              const std::map<std::string, ProviderConfig, std::less<>>& providers,
              const ProviderSchemas& schemas)
      : context_(context), providers_(providers), schemas_(schemas) {
    for (const auto& [name, unused] : providers)
      names_.push_back(name);
  }

  // A non-empty list of distinct instances, each serving `category`.
  std::vector<std::string> read(const Value& list, Category category) const {
    std::vector<std::string> instances;
    for (const Value& item : detail::read_list(context_, list)) {
      std::string name = detail::read_string(context_, item);
      const auto provider = providers_.find(name);
      if (provider == providers_.end()) {
        context_.fail(item.mark, item.path,
                      unknown_name_message("provider instance", name, names_, "providers"));
      }
      const ProviderSchema& schema = schemas_.at(provider->second.type);
      if (!schema.categories.contains(category)) {
        context_.fail(item.mark, item.path,
                      "instance '" + name + "' (type '" + provider->second.type +
                          "') does not serve " + std::string(category_name(category)));
      }
      if (std::find(instances.begin(), instances.end(), name) != instances.end()) {
        context_.fail(item.mark, item.path, "instance '" + name + "' is listed twice");
      }
      instances.push_back(std::move(name));
    }
    return instances;
  }

 private:
  const Context& context_;
  const std::map<std::string, ProviderConfig, std::less<>>& providers_;
  const ProviderSchemas& schemas_;
  std::vector<std::string> names_;
};

RoutingConfig read_routing(const Context& context, MapReader& root,
                           const std::map<std::string, ProviderConfig, std::less<>>& providers,
                           const ProviderSchemas& schemas) {
  RoutingConfig routing;
  std::optional<MapReader> block = root.map("routing");
  if (!block) return routing;
  const RouteReader routes(context, providers, schemas);

  if (std::optional<MapReader> domains = block->map("domains")) {
    for (const MapReader::Entry& entry : domains->entries()) {
      if (!is_domain_suffix(entry.key)) {
        context.fail(entry.key_value.mark, entry.key_value.path,
                     "invalid domain suffix '" + entry.key +
                         "': use \"*\" or a lowercase suffix starting with a dot, e.g. \".co.ke\"");
      }
      routing.domains.emplace_back(entry.key, routes.read(entry.value, Category::domains));
    }
    domains->finish();
  }
  if (std::optional<MapReader> ssl = block->map("ssl")) {
    for (std::string_view product : kSslProducts) {
      if (const std::optional<Value> list = ssl->find(product, false)) {
        routing.ssl.emplace(product, routes.read(*list, Category::ssl));
      }
    }
    ssl->finish();
  }
  if (std::optional<MapReader> hosting = block->map("hosting")) {
    for (const MapReader::Entry& entry : hosting->entries()) {
      if (!all_of_chars(entry.key, is_name_char)) {
        context.fail(entry.key_value.mark, entry.key_value.path,
                     "invalid hosting product '" + entry.key +
                         "': use lowercase letters, digits, '-' and '_'");
      }
      routing.hosting.emplace(entry.key, routes.read(entry.value, Category::hosting));
    }
    hosting->finish();
  }
  block->finish();
  return routing;
}

bool is_currency_code(std::string_view code) {
  return code.size() == 3 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Hosting plans are the supplier's names ("Free", "10k"): letters, digits, '-', '_' and '.'.
bool is_plan_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

// Every domain and certificate route must have a price once prices are configured: an
// action without one would be sold for nothing. `where` is the block the price belongs in.
void check_routes_priced(const Context& context, const PricingConfig& pricing,
                         const RoutingConfig& routing, const Value& domains_where,
                         const Value& ssl_where) {
  for (const auto& [suffix, instances] : routing.domains) {
    const bool priced = suffix == "*"
                            ? std::any_of(pricing.domains.begin(), pricing.domains.end(),
                                          [](const auto& price) { return price.first == "*"; })
                            : pricing.domain(suffix.substr(1)) != nullptr;
    if (!priced) {
      context.fail(domains_where.mark, domains_where.path,
                   "the domain route \"" + suffix + "\" has no price: add \"" + suffix +
                       "\" (or a \"*\" default) with register, transfer and renew prices");
    }
  }
  for (const auto& [product, instances] : routing.ssl) {
    if (!pricing.certificate(product)) {
      context.fail(ssl_where.mark, ssl_where.path,
                   "the ssl route '" + product + "' has no price: add '" + product + "'");
    }
  }
}

PricingConfig read_pricing(const Context& context, MapReader& root, const RoutingConfig& routing) {
  PricingConfig pricing;
  std::optional<MapReader> block = root.map("pricing");
  if (!block) return pricing;
  pricing.configured = true;
  if (const std::optional<Value> currency = block->find("currency")) {
    pricing.currency = detail::read_string(context, *currency);
    if (!is_currency_code(pricing.currency)) {
      context.fail(currency->mark, currency->path,
                   "expected an ISO 4217 currency code: 3 uppercase letters, e.g. USD");
    }
  }
  const int exponent = currency_exponent(pricing.currency);
  const auto amount = [&](const Value& value) {
    return read_amount(context, value, exponent, pricing.currency);
  };

  Value domains_where = block->self();
  if (std::optional<MapReader> domains = block->map("domains")) {
    domains_where = domains->self();
    for (const MapReader::Entry& entry : domains->entries()) {
      if (!is_domain_suffix(entry.key)) {
        context.fail(entry.key_value.mark, entry.key_value.path,
                     "invalid domain suffix '" + entry.key +
                         "': use \"*\" or a lowercase suffix starting with a dot, e.g. \".co.ke\"");
      }
      if (entry.value.node.IsNull()) {
        context.fail(entry.value.mark, entry.value.path,
                     "expected { register: ..., transfer: ..., renew: ... }");
      }
      MapReader prices(context, entry.value);
      DomainPrices price;
      price.register_per_year = amount(prices.require("register", "the price of one year"));
      price.transfer = amount(prices.require("transfer", "the price of a transfer in"));
      price.renew_per_year = amount(prices.require("renew", "the price of one year"));
      prices.finish();
      pricing.domains.emplace_back(entry.key, price);
    }
    domains->finish();
  }
  Value ssl_where = block->self();
  if (std::optional<MapReader> ssl = block->map("ssl")) {
    ssl_where = ssl->self();
    for (std::string_view product : kSslProducts) {
      if (const std::optional<Value> price = ssl->find(product)) {
        pricing.ssl.emplace(product, amount(*price));
      }
    }
    ssl->finish();
  }
  if (std::optional<MapReader> hosting = block->map("hosting")) {
    for (const MapReader::Entry& entry : hosting->entries()) {
      if (!is_plan_name(entry.key)) {
        context.fail(entry.key_value.mark, entry.key_value.path,
                     "invalid plan name '" + entry.key +
                         "': use letters, digits, '-', '_' and '.' as the supplier spells it");
      }
      pricing.hosting.emplace(entry.key, amount(entry.value));
    }
    hosting->finish();
  }
  block->finish();
  check_routes_priced(context, pricing, routing, domains_where, ssl_where);
  return pricing;
}

// YAML's plain scalars may not hold '{' or '}' in flow style, so `token: ${ADMIN_TOKEN}` inside
// `admin: { ... }` (the documented shape) would not parse. A bare `${NAME}` standing alone as a
// value is quoted before parsing; quoted text and comments are left alone.
std::string quote_bare_references(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  char quote = 0;
  bool comment = false;
  char previous = '\n';  // the last character that was not a space
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      comment = false;
      if (quote == '\'') quote = 0;  // an unclosed single quote is YAML's problem to report
    }
    if (comment || (quote != 0 && c != quote)) {
      out += c;
      if (c == '\n') previous = c;
      continue;
    }
    if (quote != 0) {
      quote = 0;
      out += c;
      previous = c;
      continue;
    }
    if ((c == '"' || c == '\'') &&
        std::string_view(":-[{,\n").find(previous) != std::string_view::npos) {
      quote = c;
    } else if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      comment = true;
    } else if (c == '$' && text.substr(i, 2) == "${" && i > 0 &&
               std::string_view(" \t[{,").find(text[i - 1]) != std::string_view::npos &&
               std::string_view(":-[{,").find(previous) != std::string_view::npos) {
      const std::size_t close = text.find('}', i);
      std::size_t after = close == std::string_view::npos ? close : close + 1;
      while (after < text.size() && (text[after] == ' ' || text[after] == '\t'))
        ++after;
      const bool alone =
          close != std::string_view::npos &&
          text.substr(i + 2, close - i - 2).find_first_of(" \n\"'") == std::string_view::npos &&
          (after >= text.size() ||
           std::string_view(",}]#\r\n").find(text[after]) != std::string_view::npos);
      if (alone) {
        out += '"';
        out += text.substr(i, close - i + 1);
        out += '"';
        i = close;
        previous = '}';
        continue;
      }
    }
    out += c;
    if (c != ' ' && c != '\t') previous = c;
  }
  return out;
}

}  // namespace

Config parse_config(std::string_view yaml_text, std::string_view label, std::string_view base_dir,
                    const ProviderSchemas& schemas, const Environment& env) {
  check_schemas(schemas);
  const std::filesystem::path base = base_dir.empty()
                                         ? std::filesystem::current_path()
                                         : std::filesystem::absolute(base_dir).lexically_normal();
  const Context context(std::string(label), base, env);

  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(quote_bare_references(yaml_text));
  } catch (const YAML::Exception& error) {
    context.fail(error.mark, "", "invalid YAML: " + error.msg);
  }
  if (documents.empty() || (documents.size() == 1 && documents.front().IsNull())) {
    context.fail(YAML::Mark(), "", "the configuration is empty");
  }
  if (documents.size() > 1) {
    context.fail(documents[1].Mark(), "", "expected one YAML document, found several");
  }
  const YAML::Node& root = documents.front();
  if (!root.IsMap()) context.fail(root.Mark(), "", "the top level must be a map of sections");

  Config config;
  config.source_file = std::string(label);
  config.base_dir = base.string();
  MapReader reader(context, Value{root, root.Mark(), ""});
  config.server = read_server(context, reader);
  config.admin = read_admin(context, reader, config.server);
  config.storage = read_storage(reader);
  config.keys = read_keys(context, reader);
  config.idempotency = read_idempotency(reader);
  config.jobs = read_jobs(reader);
  config.webhooks = read_webhooks(context, reader);
  config.providers = read_providers(context, reader, schemas);
  config.routing = read_routing(context, reader, config.providers, schemas);
  config.pricing = read_pricing(context, reader, config.routing);
  reader.finish();
  return config;
}

Config load_config(const std::string& path, const ProviderSchemas& schemas,
                   const Environment& env) {
  const std::string reason = detail::unreadable_reason(path);
  if (!reason.empty()) throw ConfigError(path + ": cannot read the configuration: " + reason);
  auto text = detail::read_trimmed_file(path, kMaxConfigBytes);
  if (!text) throw ConfigError(path + ": " + text.error().message);
  const std::filesystem::path absolute = std::filesystem::absolute(path).lexically_normal();
  Config config = parse_config(*text, path, absolute.parent_path().string(), schemas, env);
  config.source_file = absolute.string();
  return config;
}

}  // namespace portico::config
