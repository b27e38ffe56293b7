#include "geniusplugin/mapping.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "portico/config/config.hpp"
#include "portico/core/json.hpp"
#include "portico/core/text.hpp"

namespace portico::adapters::geniusplugin {

namespace {

using core::Error;

// Enough for any balance; more digits would overflow minor units.
constexpr std::size_t kMaxWholeDigits = 15;

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view skip_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  return text;
}

// "1500.26" with at most `exponent` decimals, in minor units; nothing for anything else.
std::optional<std::int64_t> decimal_in_minor_units(std::string_view text, int exponent) {
  const std::size_t point = text.find('.');
  const std::string_view whole = text.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  const auto all_digits = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(), is_digit);
  };
  if (whole.empty() || whole.size() > kMaxWholeDigits || !all_digits(whole)) return std::nullopt;
  if (point != std::string_view::npos && (fraction.empty() || !all_digits(fraction))) {
    return std::nullopt;
  }
  if (fraction.size() > static_cast<std::size_t>(exponent)) return std::nullopt;
  std::int64_t amount = 0;
  for (const char c : whole)
    amount = amount * 10 + (c - '0');
  for (int i = 0; i < exponent; ++i) {
    const auto at = static_cast<std::size_t>(i);
    amount = amount * 10 + (at < fraction.size() ? fraction[at] - '0' : 0);
  }
  return amount;
}

}  // namespace

const std::vector<std::string>& plans() {
  static const std::vector<std::string> known = {"Free", "10k", "20k", "40k", "100k", "200k"};
  return known;
}

bool is_plan(std::string_view plan) {
  const auto& known = plans();
  return std::find(known.begin(), known.end(), plan) != known.end();
}

bool is_ok(std::string_view status) {
  return core::text::lowercase(status) == "ok";
}

Error error_from_status(std::string_view status) {
  const std::string text = core::text::lowercase(status);
  // A field the gateway failed to send ("Request Missing data! hash") is its own bug, not a
  // credential problem: the exchange is in the audit trail.
  if (contains(text, "missing data")) {
    return Error::upstream(502, "upstream_refused", "The supplier refused the request.");
  }
  if ((contains(text, "ip") && (contains(text, "authori") || contains(text, "allowed"))) ||
      contains(text, "hash") || contains(text, "timestamp")) {
    return Error::upstream(502, "upstream_authentication_failed",
                           "The supplier refused the gateway's credentials or source address.");
  }
  if (contains(text, "insufficient")) {
    return Error::upstream(503, "supplier_insufficient_funds",
                           "The supplier account has too little credit for this order.");
  }
  if (contains(text, "downgrade")) {
    return Error::unprocessable("plan_change_refused",
                                "The supplier does not allow moving this package to a lower plan.",
                                "plan");
  }
  if (contains(text, "is suspended") || contains(text, "no active package")) {
    return Error::conflict("hosting_suspended",
                           "The package is suspended: unsuspend it before this action.");
  }
  if (contains(text, "already exists")) {
    return Error::conflict("hosting_exists", "The supplier already has a package for this domain.",
                           "domain");
  }
  if (contains(text, "not found")) {
    return Error::conflict("hosting_missing", "The supplier no longer has this package.");
  }
  if (contains(text, "invalid package")) {
    return Error::unprocessable("invalid_plan", "The supplier does not offer this plan.", "plan");
  }
  if (contains(text, "password") || contains(text, "weak")) {
    return Error::unprocessable("password_rejected", "The supplier refused the password.",
                                "password");
  }
  return Error::upstream(502, "upstream_refused", "The supplier refused the request.");
}

Error bad_response(bool write) {
  Error error = Error::upstream(502, "upstream_bad_response",
                                "The supplier sent a response that could not be read.");
  error.outcome_unknown = write;
  return error;
}

core::Result<core::Money> credit_from_status(std::string_view status, std::string_view currency) {
  // "OK - <amount>"; anything not starting with the success word is an error text.
  if (status.size() < 2 || !is_ok(status.substr(0, 2))) return error_from_status(status);
  std::string_view rest = skip_spaces(status.substr(2));
  if (rest.empty() || rest.front() != '-') return bad_response(false);
  rest = core::text::trim(rest.substr(1));
  const auto amount = decimal_in_minor_units(rest, config::currency_exponent(currency));
  if (!amount) return bad_response(false);
  return core::Money{*amount, std::string(currency)};
}

core::Result<core::HostingPackage> package_from_list(const rapidjson::Value& answer,
                                                     const core::HostingPackage& known) {
  const auto status = core::json::string_of(core::json::member(answer, "status"));
  if (!status) return bad_response(false);
  const std::string word = core::text::lowercase(*status);
  core::HostingPackage package = known;
  if (word == "active") {
    package.status = core::HostingStatus::active;
  } else if (word == "suspended") {
    package.status = core::HostingStatus::suspended;
  } else {
    return error_from_status(*status);
  }
  package.supplier_status = *status;
  const auto plan = core::json::string_of(core::json::member(answer, "package"));
  if (plan && !plan->empty()) package.plan = *plan;
  return package;
}

std::string token_from_create(const rapidjson::Value& answer) {
  return core::json::string_of(core::json::member(answer, "token")).value_or(std::string());
}

std::string_view supplier_status_word(core::HostingStatus status) {
  switch (status) {
    case core::HostingStatus::active:
      return "active";
    case core::HostingStatus::suspended:
      return "suspended";
    case core::HostingStatus::deleted:
      return "cancelled";
  }
  return "active";
}

}  // namespace portico::adapters::geniusplugin
