#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "portico/core/clock.hpp"
#include "portico/core/error.hpp"
#include "portico/core/result.hpp"

namespace portico::core::json {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Parses a request body strictly: one JSON value, UTF-8 checked, no comments, NaN or trailing
// commas, nesting at most `max_depth` deep. Errors are `invalid_json` with a position.
Result<rapidjson::Document> parse(std::string_view text, int max_depth = 32);

// The member `name` of an object, or nullptr (also when `object` is not an object): for
// reading suppliers' answers, whose shapes are never trusted.
const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name);
// A string value as text; nothing for a missing value or another type.
std::optional<std::string> string_of(const rapidjson::Value* value);

// Serializes a value compactly.
std::string to_string(const rapidjson::Value& value);

void write(Writer& out, std::string_view key, std::string_view value);
void write(Writer& out, std::string_view key, const char* value);
void write(Writer& out, std::string_view key, const std::string& value);
void write(Writer& out, std::string_view key, std::int64_t value);
void write(Writer& out, std::string_view key, int value);
void write(Writer& out, std::string_view key, bool value);
void write(Writer& out, std::string_view key, const std::optional<std::string>& value);  // null
void write_null(Writer& out, std::string_view key);
// An RFC 3339 UTC time (core/clock.hpp), or null.
void write_time(Writer& out, std::string_view key, const std::optional<TimePoint>& at);
inline void key(Writer& out, std::string_view name) {
  out.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}
inline void string(Writer& out, std::string_view value) {
  out.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

struct StringRule {
  bool required = false;
  std::size_t min_length = 0;
  std::size_t max_length = 1024;
};
struct IntRule {
  bool required = false;
  std::int64_t min = INT64_MIN;
  std::int64_t max = INT64_MAX;
};

// Reads the fields of one JSON object against what a handler expects. The first problem is
// kept (with the dotted path of the field as `param`); getters return nothing after it, and
// finish() reports fields nobody asked for. Typical use:
//
//   ObjectReader body(doc);
//   auto name = body.string("name", {.required = true, .max_length = 200});
//   auto years = body.integer("years", {.min = 1, .max = 10});
//   if (auto error = body.finish()) return *error;
class ObjectReader {
 public:
  // `value` must outlive the reader. A non-object is reported at once.
  explicit ObjectReader(const rapidjson::Value& value, std::string path = {});

  std::optional<std::string> string(std::string_view name, StringRule rule = {});
  std::optional<std::int64_t> integer(std::string_view name, IntRule rule = {});
  std::optional<bool> boolean(std::string_view name, bool required = false);
  // An array of strings, each checked with `each`.
  std::optional<std::vector<std::string>> strings(std::string_view name, bool required,
                                                  std::size_t max_items, StringRule each = {});
  // A nested object; read it with a child reader built on the returned value and the path
  // child_path(name), then merge its error with adopt().
  const rapidjson::Value* object(std::string_view name, bool required = false);
  std::string child_path(std::string_view name) const;

  void adopt(const std::optional<Error>& child_error);
  void fail(Error error);  // record a semantic error found by the caller
  bool failed() const { return error_.has_value(); }

  // The first error, counting fields that no getter asked for.
  std::optional<Error> finish();

 private:
  const rapidjson::Value* find(std::string_view name, bool required);
  void type_error(std::string_view name, const char* expected);

  const rapidjson::Value& value_;
  std::string path_;
  std::set<std::string, std::less<>> seen_;
  std::optional<Error> error_;
};

}  // namespace portico::core::json
