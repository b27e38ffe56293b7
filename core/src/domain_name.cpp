#include "portico/core/domain_name.hpp"

#include <arpa/inet.h>
#include <idn2.h>
#include <memory>
#include <vector>

#include "validation_support.hpp"

namespace portico::core {

namespace validation {

namespace {

// The longest input worth looking at: a 253-character punycode name is at most about 1 KB of
// UTF-8, and TR46 may drop a few ignorable characters on top.
constexpr std::size_t kMaxInputBytes = 2048;
constexpr std::size_t kMaxLabelLength = 63;

struct Idn2Free {
  void operator()(char* text) const { idn2_free(text); }
};
using Idn2String = std::unique_ptr<char, Idn2Free>;

// IDNA2008 lookup with UTS #46 non-transitional mapping. STD3 rules stay off on purpose:
// libidn2 2.3 silently deletes '_' and '*' under them; our own label rules run afterwards.
int idna_to_ascii(const std::string& utf8, Idn2String& out) {
  char* raw = nullptr;
  const int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(utf8.c_str()),
                                reinterpret_cast<uint8_t**>(&raw), IDN2_NONTRANSITIONAL);
  out.reset(raw);
  return rc;
}

std::string idna_problem(int rc) {
  switch (rc) {
    case IDN2_ENCODING_ERROR:
      return "it is not valid UTF-8";
    case IDN2_DISALLOWED:
    case IDN2_UNASSIGNED:
    case IDN2_INVALID_NONTRANSITIONAL:
      return "it holds a character IDNA2008 does not allow in domain names (a symbol, emoji, "
             "punctuation or unassigned code point)";
    case IDN2_BIDI:
      return "it mixes right-to-left and left-to-right characters in a way IDNA2008 forbids";
    case IDN2_CONTEXTJ:
    case IDN2_CONTEXTJ_NO_RULE:
    case IDN2_CONTEXTO:
    case IDN2_CONTEXTO_NO_RULE:
      return "it uses a joiner or context-dependent character where IDNA2008 forbids it";
    case IDN2_LEADING_COMBINING:
      return "a label starts with a combining mark";
    case IDN2_2HYPHEN:
      return "a label has \"--\" in its third and fourth characters, which only punycode (xn--) "
             "labels may have";
    case IDN2_HYPHEN_STARTEND:
      return "a label starts or ends with a hyphen";
    case IDN2_TOO_BIG_LABEL:
      return "a label is longer than 63 characters once converted to punycode";
    case IDN2_TOO_BIG_DOMAIN:
      return "it is longer than 253 characters once converted to punycode";
    case IDN2_PUNYCODE_BAD_INPUT:
    case IDN2_PUNYCODE_BIG_OUTPUT:
    case IDN2_PUNYCODE_OVERFLOW:
    case IDN2_INVALID_ALABEL:
    case IDN2_ALABEL_ROUNDTRIP_FAILED:
    case IDN2_UALABEL_MISMATCH:
      return "an xn-- label is not valid punycode";
    default:
      return std::string("it is not a valid internationalized domain name (") + idn2_strerror(rc) +
             ")";
  }
}

// An xn-- label is usable only if it decodes to a label IDNA2008 accepts and encodes back to
// itself (so there is one spelling per name).
bool valid_a_label(std::string_view label) {
  Idn2String out;
  if (idna_to_ascii(std::string(label), out) != IDN2_OK || !out) return false;
  return std::string_view(out.get()) == label;
}

}  // namespace

AsciiName to_ascii_name(std::string_view input) {
  AsciiName result;
  if (input.size() > kMaxInputBytes) {
    result.problem = "it is longer than 253 characters";
    return result;
  }
  bool ascii = true;
  for (const char c : input) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      result.problem = "it holds a space or a control character";
      return result;
    }
    if (byte >= 0x80) ascii = false;
  }
  if (ascii) {
    result.ascii.reserve(input.size());
    for (const char c : input)
      result.ascii += to_lower(c);
    return result;
  }
  switch (check_text(input)) {
    case TextProblem::invalid_utf8:
      result.problem = "it is not valid UTF-8";
      return result;
    case TextProblem::control_character:
      result.problem = "it holds a space or a control character";
      return result;
    case TextProblem::none:
      break;
  }
  Idn2String converted;
  const int rc = idna_to_ascii(std::string(input), converted);
  if (rc != IDN2_OK || !converted) {
    result.problem = idna_problem(rc);
    return result;
  }
  for (const char* c = converted.get(); *c != '\0'; ++c)
    result.ascii += to_lower(*c);
  return result;
}

std::optional<std::string> label_problem(std::string_view label, LabelRules rules) {
  if (label.empty()) return "it has an empty label (two dots in a row, or a leading dot)";
  if (label.size() > kMaxLabelLength) {
    return "the label " + excerpt(label) + " is " + std::to_string(label.size()) +
           " characters long; a label holds at most 63";
  }
  const bool underscore = rules == LabelRules::allow_underscore;
  for (const char c : label) {
    if (is_lower_alnum(c) || c == '-' || (underscore && c == '_')) continue;
    std::string problem = "the label " + excerpt(label) + " holds '" + std::string(1, c) +
                          "'; labels may hold only letters a-z, digits 0-9";
    problem += underscore ? ", hyphens and underscores" : " and hyphens";
    if (c == '_' && !underscore) problem += " (no underscores)";
    return problem;
  }
  if (label.front() == '-') return "the label " + excerpt(label) + " starts with a hyphen";
  if (label.back() == '-') return "the label " + excerpt(label) + " ends with a hyphen";
  if (label.size() >= 4 && label[2] == '-' && label[3] == '-') {
    if (label.substr(0, 4) != "xn--") {
      return "the label " + excerpt(label) +
             " has \"--\" in its third and fourth characters, which only punycode (xn--) labels "
             "may have";
    }
    if (!valid_a_label(label)) {
      return "the label " + excerpt(label) + " is not valid punycode under IDNA2008";
    }
  }
  return std::nullopt;
}

}  // namespace validation

namespace {

using validation::LabelRules;

enum class NameKind { domain, host, name_server };

struct NameSpec {
  const char* code;
  const char* noun;
  const char* example;
};

NameSpec spec_of(NameKind kind) {
  switch (kind) {
    case NameKind::domain:
      return {"invalid_domain_name", "domain name", "example.com"};
    case NameKind::host:
      return {"invalid_host_name", "host name", "mail.example.com"};
    case NameKind::name_server:
      return {"invalid_name_server", "name server", "ns1.example.com"};
  }
  return {"invalid_domain_name", "domain name", "example.com"};
}

Result<std::string> normalize_name(std::string_view input, std::string param, NameKind kind) {
  const NameSpec spec = spec_of(kind);
  const auto fail = [&](const std::string& problem) {
    std::string message = validation::subject(param, "The name") + " is not a valid " + spec.noun +
                          ": " + problem + ". Expected a name such as " + spec.example + ".";
    return Error::invalid_request(spec.code, std::move(message), param);
  };

  const std::string_view text = validation::trim(input);
  if (text.empty()) return fail("it is empty");
  validation::AsciiName converted = validation::to_ascii_name(text);
  if (!converted.problem.empty()) return fail(converted.problem);
  std::string name = std::move(converted.ascii);
  if (!name.empty() && name.back() == '.') name.pop_back();  // the root, as in "example.com."
  if (name.empty()) return fail("it is empty");
  if (name.size() > validation::kMaxNameLength) {
    return fail("it is " + std::to_string(name.size()) +
                " characters long; a name holds at most 253");
  }

  const std::vector<std::string_view> labels = validation::split_labels(name);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const bool last = i + 1 == labels.size();
    const LabelRules rules = kind == NameKind::host && !last ? LabelRules::allow_underscore
                                                             : LabelRules::letters_digits_hyphens;
    if (auto problem = validation::label_problem(labels[i], rules)) return fail(*problem);
  }
  if (labels.size() < 2) return fail("it has a single label; a fully qualified name is needed");
  if (validation::all_digits(labels.back())) {
    if (is_ipv4(name)) return fail("it is an IP address, not a name");
    return fail("its last label " + validation::excerpt(labels.back()) +
                " is all digits, which no top-level domain is");
  }
  return name;
}

}  // namespace

Result<std::string> normalize_domain_name(std::string_view input, std::string param) {
  return normalize_name(input, std::move(param), NameKind::domain);
}

Result<std::string> normalize_host_name(std::string_view input, std::string param) {
  return normalize_name(input, std::move(param), NameKind::host);
}

Result<std::string> normalize_name_server(std::string_view input, std::string param) {
  return normalize_name(input, std::move(param), NameKind::name_server);
}

std::string unicode_domain_name(std::string_view ascii) {
  std::string lowered;
  lowered.reserve(ascii.size());
  for (const char c : ascii)
    lowered += validation::to_lower(c);
  const bool has_a_label =
      lowered.starts_with("xn--") || lowered.find(".xn--") != std::string::npos;
  if (!has_a_label || ascii.size() > validation::kMaxInputBytes) return std::string(ascii);

  // Decode only what IDNA2008 accepts: idn2_to_unicode_8z8z alone turns junk into junk.
  validation::Idn2String checked;
  if (validation::idna_to_ascii(lowered, checked) != IDN2_OK) return std::string(ascii);
  char* raw = nullptr;
  const int rc = idn2_to_unicode_8z8z(checked.get(), &raw, 0);
  const validation::Idn2String unicode(raw);
  if (rc != IDN2_OK || !unicode) return std::string(ascii);
  return std::string(unicode.get());
}

bool is_ipv4(std::string_view text) {
  if (text.size() < 7 || text.size() > 15) return false;
  const std::string copy(text);
  in_addr address{};
  // glibc's inet_pton takes dotted-decimal only: no octal, hex, short forms or leading zeros.
  return inet_pton(AF_INET, copy.c_str(), &address) == 1;
}

std::optional<std::string> normalize_ipv6(std::string_view text) {
  if (text.size() < 2 || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string copy(text);
  in6_addr address{};
  if (inet_pton(AF_INET6, copy.c_str(), &address) != 1) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET6, &address, buffer, sizeof buffer) == nullptr) return std::nullopt;
  return std::string(buffer);
}

}  // namespace portico::core
