#pragma once

// Private helpers shared by domain_name.cpp, dns_record.cpp and contact.cpp. Not installed:
// callers use the public headers.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::core::validation {

// RFC 1035: 253 characters in presentation form without the final dot.
inline constexpr std::size_t kMaxNameLength = 253;

inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

inline char to_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}
inline char to_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}

inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || is_digit(c);
}

// "records" + "value" -> "records.value"; an empty prefix gives the bare field.
inline std::string join_param(std::string_view prefix, std::string_view field) {
  std::string param(prefix);
  if (!param.empty()) param += '.';
  param += field;
  return param;
}

inline bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

inline std::vector<std::string_view> split_labels(std::string_view name) {
  std::vector<std::string_view> labels;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) {
      labels.push_back(name.substr(start));
      return labels;
    }
    labels.push_back(name.substr(start, dot - start));
    start = dot + 1;
  }
}

// How messages name the field: 'records.value', or a plain noun when the caller gave no param.
inline std::string subject(std::string_view param, std::string_view fallback) {
  if (param.empty()) return std::string(fallback);
  return "'" + std::string(param) + "'";
}

// A short quoted excerpt of ASCII input for messages: never echo huge input.
inline std::string excerpt(std::string_view text, std::size_t limit = 63) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (text.size() > limit) out += "...";
  out += '"';
  return out;
}

// What is wrong with a piece of free text, if anything.
enum class TextProblem { none, invalid_utf8, control_character };

// Checks UTF-8 strictly (no overlong forms, surrogates or code points past U+10FFFF) and refuses
// C0 controls, DEL and C1 controls. `length` receives the number of code points.
inline TextProblem check_text(std::string_view text, std::size_t* length = nullptr) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    char32_t code_point = 0;
    if (lead < 0x80) {
      code_point = lead;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      extra = 1;
      code_point = lead & 0x1fu;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      extra = 2;
      code_point = lead & 0x0fu;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      extra = 3;
      code_point = lead & 0x07u;
    } else {
      return TextProblem::invalid_utf8;
    }
    if (text.size() - i <= extra) return TextProblem::invalid_utf8;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0u) != 0x80u) return TextProblem::invalid_utf8;
      code_point = (code_point << 6) | (next & 0x3fu);
    }
    if ((extra == 2 && code_point < 0x800) || (extra == 3 && code_point < 0x10000) ||
        (code_point >= 0xd800 && code_point <= 0xdfff) || code_point > 0x10ffff) {
      return TextProblem::invalid_utf8;
    }
    if (code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f)) {
      return TextProblem::control_character;
    }
    ++count;
    i += extra + 1;
  }
  if (length != nullptr) *length = count;
  return TextProblem::none;
}

// The ASCII form of a name or the reason it has none. Shared by domain names, host names and
// DNS record names, which differ only in their label rules.
struct AsciiName {
  std::string ascii;    // lowercase; keeps a trailing dot if the input had one
  std::string problem;  // empty on success; a clause such as "it is not valid UTF-8"
};

// Refuses spaces and control characters, lowercases ASCII and maps Unicode to punycode with
// IDNA2008 and TR46 non-transitional processing. The input must already be trimmed.
AsciiName to_ascii_name(std::string_view input);

enum class LabelRules {
  letters_digits_hyphens,  // a-z 0-9 '-'
  allow_underscore,        // a-z 0-9 '-' '_'
};

// Why one ASCII label is unusable, or nullopt: length 1..63, its characters, no hyphen at
// either end, "--" in positions 3-4 only for xn-- labels that decode under IDNA2008.
std::optional<std::string> label_problem(std::string_view label, LabelRules rules);

}  // namespace portico::core::validation
