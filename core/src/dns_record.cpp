#include "portico/core/dns_record.hpp"

#include <optional>

#include "portico/core/contact.hpp"
#include "portico/core/domain_name.hpp"
#include "portico/core/names.hpp"
#include "portico/core/text.hpp"

#include "validation_support.hpp"

namespace portico::core {

namespace {

using core::text::lowercase;

using validation::join_param;

constexpr std::int64_t kMaxSixteenBits = 65535;
constexpr std::int64_t kMaxCaaFlags = 255;

// Which optional fields each type uses.
struct FieldUse {
  bool priority = false;
  bool weight = false;
  bool port = false;
  bool flags = false;
  bool tag = false;
};

FieldUse fields_of(DnsRecordType type) {
  switch (type) {
    case DnsRecordType::mx:
      return {.priority = true};
    case DnsRecordType::srv:
      return {.priority = true, .weight = true, .port = true};
    case DnsRecordType::caa:
      return {.flags = true, .tag = true};
    default:
      return {};
  }
}

std::string type_name(DnsRecordType type) {
  return std::string(name_of(type));
}

std::string quoted(const std::string& param) {
  return "'" + param + "'";
}

std::optional<Error> refuse_unused(bool present, bool used, DnsRecordType type,
                                   const std::string& param_prefix, const char* field) {
  if (!present || used) return std::nullopt;
  const std::string param = join_param(param_prefix, field);
  return Error::invalid_request(
      "parameter_not_allowed",
      quoted(param) + " is not used by " + type_name(type) + " records; leave it out.", param);
}

// A required integer field within [min, max]; `meaning` tells the partner what it is for.
std::optional<Error> check_number(const std::optional<std::int64_t>& value, std::int64_t min,
                                  std::int64_t max, DnsRecordType type,
                                  const std::string& param_prefix, const char* field,
                                  const char* code, const char* meaning) {
  const std::string param = join_param(param_prefix, field);
  if (!value) {
    return Error::invalid_request("parameter_missing",
                                  quoted(param) + " is required for " + type_name(type) +
                                      " records: " + meaning + ", " + std::to_string(min) + " to " +
                                      std::to_string(max) + ".",
                                  param);
  }
  if (*value < min || *value > max) {
    return Error::unprocessable(code,
                                quoted(param) + " must be between " + std::to_string(min) +
                                    " and " + std::to_string(max) + " for " + type_name(type) +
                                    " records.",
                                param);
  }
  return std::nullopt;
}

// The zone as normalize_domain_name leaves it; tolerate a trailing dot and capitals anyway.
std::string canonical_zone(std::string_view zone) {
  std::string out = lowercase(validation::trim(zone));
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

Result<std::string> normalize_record_name(std::string_view input, const std::string& zone,
                                          const std::string& param) {
  const std::string expected =
      " Expected a name relative to the zone, such as www, or \"@\" for the zone itself.";
  const auto invalid = [&](const std::string& problem) {
    return Error::invalid_request(
        "invalid_record_name",
        quoted(param) + " is not a valid record name: " + problem + "." + expected, param);
  };
  const std::string_view text = validation::trim(input);
  if (text.empty()) {
    return Error::invalid_request("parameter_missing", quoted(param) + " is required." + expected,
                                  param);
  }
  if (text == "@") return std::string("@");

  validation::AsciiName converted = validation::to_ascii_name(text);
  if (!converted.problem.empty()) return invalid(converted.problem);
  std::string name = std::move(converted.ascii);
  const bool absolute = !name.empty() && name.back() == '.';
  if (absolute) name.pop_back();
  if (name.empty()) return invalid("it is empty");

  // A name that already ends in the zone is taken as absolute: nobody means
  // www.example.com.example.com. One that still ends in it once made relative is refused, so
  // that normalizing the result again cannot change it.
  const auto in_zone = [&zone](std::string_view candidate) {
    return candidate.size() > zone.size() && candidate.ends_with(zone) &&
           candidate[candidate.size() - zone.size() - 1] == '.';
  };
  if (name == zone) return std::string("@");
  if (in_zone(name)) {
    name.resize(name.size() - zone.size() - 1);
    if (name == zone || in_zone(name)) {
      return invalid("it holds the zone name twice; give it relative to the zone, such as www");
    }
  } else if (absolute) {
    return Error::unprocessable("record_name_outside_zone",
                                quoted(param) +
                                    " ends with a dot, so it is a full name, but it is not inside "
                                    "the zone " +
                                    zone + "." + expected,
                                param);
  }

  if (name.size() + 1 + zone.size() > validation::kMaxNameLength) {
    return invalid("with the zone it makes a name of " +
                   std::to_string(name.size() + 1 + zone.size()) +
                   " characters; a name holds at most 253");
  }
  const std::vector<std::string_view> labels = validation::split_labels(name);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == "*" && i == 0) continue;
    if (labels[i].find('*') != std::string_view::npos) {
      return invalid("\"*\" may only be the whole first label of a wildcard, as in *.shop");
    }
    if (auto problem =
            validation::label_problem(labels[i], validation::LabelRules::allow_underscore)) {
      return invalid(*problem);
    }
  }
  return name;
}

// A CNAME, MX, NS or SRV target. "@" is the zone itself; "." (the root) only where the type
// gives it a meaning.
Result<std::string> normalize_target(std::string_view input, const std::string& zone,
                                     const std::string& param, DnsRecordType type,
                                     bool root_allowed) {
  const std::string_view text = validation::trim(input);
  if (text.empty()) {
    return Error::invalid_request("parameter_missing",
                                  quoted(param) + " is required: give the host name the " +
                                      type_name(type) +
                                      " record points at, such as mail.example.com.",
                                  param);
  }
  if (text == "@") return zone;
  if (text == "." && root_allowed) return std::string(".");
  return normalize_host_name(text, param);
}

Result<std::string> normalize_txt(std::string_view value, const std::string& param) {
  const auto invalid = [&](const std::string& problem) {
    return Error::invalid_request("invalid_txt_value", quoted(param) + " " + problem, param);
  };
  std::string_view text = value;
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty()) {
    return Error::invalid_request(
        "parameter_missing",
        quoted(param) + " is required: give the text of the record, such as v=spf1 -all.", param);
  }
  if (text.size() > kMaxTxtLength) {
    return invalid("is " + std::to_string(text.size()) +
                   " bytes long; a TXT value holds at most 2048 bytes.");
  }
  switch (validation::check_text(text)) {
    case validation::TextProblem::invalid_utf8:
      return invalid("is not valid UTF-8 text.");
    case validation::TextProblem::control_character:
      return invalid(
          "holds a control character (such as a line break or a tab), which a TXT value cannot "
          "carry; give the text on one line.");
    case validation::TextProblem::none:
      break;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      if (i + 1 == text.size()) {
        return invalid("ends with a lone backslash; write \\\\ for a backslash.");
      }
      ++i;  // the escaped character, whatever it is
    } else if (text[i] == '"') {
      return invalid(
          "holds a double quote inside the text. Give the value as one string: either without "
          "quotes or inside a single pair of them, with any quote that belongs to the text "
          "written as \\\"; a value split into several quoted strings (\"part1\" \"part2\") must "
          "be joined into one.");
    }
  }
  return std::string(text);
}

bool is_printable_ascii(std::string_view text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

Result<std::string> normalize_caa_value(std::string_view input, const std::string& tag,
                                        const std::string& param) {
  const auto invalid = [&](const std::string& problem) {
    return Error::invalid_request("invalid_caa_value", quoted(param) + " " + problem, param);
  };
  std::string_view text = validation::trim(input);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = validation::trim(text.substr(1, text.size() - 2));
  }
  if (text.empty()) {
    const std::string hint = tag == "iodef"
                                 ? "a mailto: or https: URL where CAs send reports"
                                 : "the CA's domain, such as letsencrypt.org, or \";\" to forbid "
                                   "issuance";
    return Error::invalid_request(
        "parameter_missing", quoted(param) + " is required for CAA records: " + hint + ".", param);
  }
  if (text.size() > kMaxTxtLength) return invalid("is longer than 2048 characters.");
  if (!is_printable_ascii(text)) {
    return invalid(
        "holds a character outside printable ASCII (a control or non-ASCII "
        "character); CAA values are ASCII text.");
  }
  if (text.find('"') != std::string_view::npos) {
    return invalid("holds a double quote; a CAA value cannot contain one.");
  }

  if (tag == "iodef") {
    const std::string lower = lowercase(text);
    if (lower.starts_with("mailto:")) {
      const std::string_view address = text.substr(7);
      if (!plausible_email(address)) {
        return invalid("is a mailto: URL without a valid e-mail address after it.");
      }
      return "mailto:" + std::string(address);
    }
    for (const std::string_view scheme : {"https://", "http://"}) {
      if (!lower.starts_with(scheme)) continue;
      const std::string_view rest = text.substr(scheme.size());
      const std::size_t host_end = rest.find_first_of("/?#");
      if (rest.substr(0, host_end).empty() || rest.find(' ') != std::string_view::npos) {
        return invalid("is an http(s): URL without a host, or with a space in it.");
      }
      return std::string(scheme) + std::string(rest);
    }
    return invalid(
        "must be a mailto: or http(s): URL for iodef, such as mailto:security@example.com.");
  }

  // issue and issuewild: [issuer-domain] [";" parameters] (RFC 8659 section 4.2).
  const std::size_t semicolon = text.find(';');
  const std::string_view issuer = validation::trim(text.substr(0, semicolon));
  std::string out;
  if (!issuer.empty()) {
    auto domain = normalize_domain_name(issuer, param);
    if (!domain) {
      return invalid(
          "must start with the domain name of a CA, such as letsencrypt.org, or be "
          "\";\" to forbid issuance.");
    }
    out = std::move(domain).value();
  }
  if (semicolon != std::string_view::npos) {
    const std::string_view parameters = validation::trim(text.substr(semicolon + 1));
    out += ';';
    if (!parameters.empty()) {
      out += ' ';
      out += parameters;
    }
  }
  return out;
}

Result<std::string> normalize_caa_tag(std::string_view input, const std::string& param) {
  const std::string tag = lowercase(validation::trim(input));
  if (tag.empty()) {
    return Error::invalid_request(
        "parameter_missing",
        quoted(param) + " is required for CAA records: issue, issuewild or iodef.", param);
  }
  for (const char c : tag) {
    if (!validation::is_lower_alnum(c)) {
      return Error::invalid_request(
          "invalid_caa_tag",
          quoted(param) + " may hold only letters and digits: issue, issuewild or iodef.", param);
    }
  }
  if (tag != "issue" && tag != "issuewild" && tag != "iodef") {
    return Error::unprocessable(
        "unsupported_caa_tag",
        quoted(param) + " must be issue, issuewild or iodef; other CAA tags are not supported.",
        param);
  }
  return tag;
}

Result<std::string> normalize_address(std::string_view input, DnsRecordType type,
                                      const std::string& param) {
  const std::string_view text = validation::trim(input);
  const bool v4 = type == DnsRecordType::a;
  if (text.empty()) {
    return Error::invalid_request(
        "parameter_missing",
        quoted(param) + " is required: give an " +
            (v4 ? "IPv4 address such as 192.0.2.10." : "IPv6 address such as 2001:db8::10."),
        param);
  }
  if (v4) {
    if (is_ipv4(text)) return std::string(text);
    std::string message = quoted(param) + " must be an IPv4 address such as 192.0.2.10";
    if (normalize_ipv6(text)) message += "; this is an IPv6 address, which goes in an AAAA record";
    return Error::invalid_request("invalid_ipv4_address", message + ".", param);
  }
  if (auto address = normalize_ipv6(text)) return std::move(*address);
  std::string message = quoted(param) + " must be an IPv6 address such as 2001:db8::10";
  if (is_ipv4(text)) message += "; this is an IPv4 address, which goes in an A record";
  return Error::invalid_request("invalid_ipv6_address", message + ".", param);
}

void append_text(std::string& out, std::string_view text) {
  out += ' ';
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

void append_number(std::string& out, const std::optional<std::int64_t>& value) {
  out += ' ';
  out += value ? std::to_string(*value) : "-";
}

}  // namespace

Result<DnsRecord> normalize_dns_record(DnsRecord record, std::string_view zone,
                                       const std::string& param_prefix) {
  const DnsRecordType type = record.type;
  const FieldUse use = fields_of(type);
  for (auto error : {
           refuse_unused(record.priority.has_value(), use.priority, type, param_prefix, "priority"),
           refuse_unused(record.weight.has_value(), use.weight, type, param_prefix, "weight"),
           refuse_unused(record.port.has_value(), use.port, type, param_prefix, "port"),
           refuse_unused(record.flags.has_value(), use.flags, type, param_prefix, "flags"),
           refuse_unused(!record.tag.empty(), use.tag, type, param_prefix, "tag"),
       }) {
    if (error) return *std::move(error);
  }

  const std::string zone_name = canonical_zone(zone);
  const std::string name_param = join_param(param_prefix, "name");
  auto name = normalize_record_name(record.name, zone_name, name_param);
  if (!name) return std::move(name).error();
  record.name = std::move(name).value();
  if (type == DnsRecordType::cname && record.name == "@") {
    return Error::unprocessable(
        "cname_at_apex",
        quoted(name_param) +
            " is \"@\", but a CNAME cannot sit at the zone apex, which holds the zone's SOA and "
            "NS records. Point the apex with A/AAAA records, or use a name such as www.",
        name_param);
  }
  if (type == DnsRecordType::srv) {
    const std::vector<std::string_view> labels = validation::split_labels(record.name);
    const auto service_label = [](std::string_view label) {
      return label.size() >= 2 && label.front() == '_';
    };
    if (record.name == "@" || labels.size() < 2 || !service_label(labels[0]) ||
        !service_label(labels[1])) {
      return Error::invalid_request(
          "invalid_srv_name",
          quoted(name_param) +
              " must start with _service._proto for SRV records, as in _sip._tcp or "
              "_sip._tcp.office.",
          name_param);
    }
  }

  const std::string value_param = join_param(param_prefix, "value");
  Result<std::string> value = std::string();
  switch (type) {
    case DnsRecordType::a:
    case DnsRecordType::aaaa:
      value = normalize_address(record.value, type, value_param);
      break;
    case DnsRecordType::cname:
    case DnsRecordType::ns:
      value = normalize_target(record.value, zone_name, value_param, type, false);
      break;
    case DnsRecordType::mx:
    case DnsRecordType::srv:
      value = normalize_target(record.value, zone_name, value_param, type, true);
      break;
    case DnsRecordType::txt:
      value = normalize_txt(record.value, value_param);
      break;
    case DnsRecordType::caa: {
      auto tag = normalize_caa_tag(record.tag, join_param(param_prefix, "tag"));
      if (!tag) return std::move(tag).error();
      record.tag = std::move(tag).value();
      value = normalize_caa_value(record.value, record.tag, value_param);
      break;
    }
  }
  if (!value) return std::move(value).error();
  record.value = std::move(value).value();

  if (use.priority) {
    if (auto error =
            check_number(record.priority, 0, kMaxSixteenBits, type, param_prefix, "priority",
                         "priority_out_of_range", "the preference (lower is tried first)")) {
      return *std::move(error);
    }
  }
  if (use.weight) {
    if (auto error =
            check_number(record.weight, 0, kMaxSixteenBits, type, param_prefix, "weight",
                         "weight_out_of_range", "the share among targets of equal priority")) {
      return *std::move(error);
    }
  }
  if (use.port) {
    if (auto error = check_number(record.port, 0, kMaxSixteenBits, type, param_prefix, "port",
                                  "port_out_of_range", "the port the service listens on")) {
      return *std::move(error);
    }
  }
  if (use.flags) {
    if (auto error = check_number(record.flags, 0, kMaxCaaFlags, type, param_prefix, "flags",
                                  "flags_out_of_range", "the CAA flags (0, or 128 for critical)")) {
      return *std::move(error);
    }
  }

  if (record.ttl < kMinDnsTtl || record.ttl > kMaxDnsTtl) {
    const std::string param = join_param(param_prefix, "ttl");
    return Error::unprocessable("ttl_out_of_range",
                                quoted(param) + " must be between 60 and 86400 seconds.", param);
  }
  return record;
}

std::string dns_record_fingerprint(const DnsRecord& record) {
  std::string out(name_of(record.type));
  append_text(out, record.name);
  append_text(out, record.value);
  const FieldUse use = fields_of(record.type);
  if (use.priority) append_number(out, record.priority);
  if (use.weight) append_number(out, record.weight);
  if (use.port) append_number(out, record.port);
  if (use.flags) append_number(out, record.flags);
  if (use.tag) append_text(out, record.tag);
  return out;
}

}  // namespace portico::core
