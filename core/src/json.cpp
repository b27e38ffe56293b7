#include "portico/core/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

namespace portico::core::json {

namespace {

// Counts nesting while RapidJSON parses, so a hostile body of 100k '[' cannot exhaust the
// stack of whoever walks the document later.
struct DepthGuard : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, DepthGuard> {
  int depth = 0;
  int max_depth = 32;
  bool Default() { return true; }
  bool StartObject() { return ++depth <= max_depth; }
  bool EndObject(rapidjson::SizeType) { return --depth, true; }
  bool StartArray() { return ++depth <= max_depth; }
  bool EndArray(rapidjson::SizeType) { return --depth, true; }
};

// Iterative parsing keeps RapidJSON itself off the recursion path.
constexpr unsigned kParseFlags =
    rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;

std::string join(std::string_view path, std::string_view name) {
  if (path.empty()) return std::string(name);
  std::string out(path);
  out += '.';
  out += name;
  return out;
}

}  // namespace

Result<rapidjson::Document> parse(std::string_view text, int max_depth) {
  {
    DepthGuard guard;
    guard.max_depth = max_depth;
    rapidjson::Reader reader;
    rapidjson::MemoryStream stream(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(stream);
    const rapidjson::ParseResult ok = reader.Parse<kParseFlags>(input, guard);
    if (!ok) {
      if (ok.Code() == rapidjson::kParseErrorTermination) {
        return Error::invalid_request("invalid_json", "The request body nests deeper than " +
                                                          std::to_string(max_depth) + " levels.");
      }
      return Error::invalid_request("invalid_json",
                                    std::string("The request body is not valid JSON: ") +
                                        rapidjson::GetParseError_En(ok.Code()) + " (at byte " +
                                        std::to_string(ok.Offset()) + ").");
    }
  }
  rapidjson::Document document;
  document.Parse<kParseFlags>(text.data(), text.size());
  if (document.HasParseError()) {
    return Error::invalid_request("invalid_json", "The request body is not valid JSON.");
  }
  return document;
}

std::string to_string(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

void write(Writer& out, std::string_view name, std::string_view value) {
  key(out, name);
  string(out, value);
}
void write(Writer& out, std::string_view name, const char* value) {
  write(out, name, std::string_view(value));
}
void write(Writer& out, std::string_view name, const std::string& value) {
  write(out, name, std::string_view(value));
}
void write(Writer& out, std::string_view name, std::int64_t value) {
  key(out, name);
  out.Int64(value);
}
void write(Writer& out, std::string_view name, int value) {
  key(out, name);
  out.Int(value);
}
void write(Writer& out, std::string_view name, bool value) {
  key(out, name);
  out.Bool(value);
}
void write(Writer& out, std::string_view name, const std::optional<std::string>& value) {
  if (value) {
    write(out, name, std::string_view(*value));
  } else {
    write_null(out, name);
  }
}
void write_null(Writer& out, std::string_view name) {
  key(out, name);
  out.Null();
}

void write_time(Writer& out, std::string_view key, const std::optional<TimePoint>& at) {
  if (at) {
    write(out, key, format_rfc3339(*at));
  } else {
    write_null(out, key);
  }
}

ObjectReader::ObjectReader(const rapidjson::Value& value, std::string path)
    : value_(value), path_(std::move(path)) {
  if (!value_.IsObject()) {
    error_ = Error::invalid_request("invalid_type",
                                    path_.empty() ? "The request body must be a JSON object."
                                                  : "'" + path_ + "' must be an object.",
                                    path_);
  }
}

std::string ObjectReader::child_path(std::string_view name) const {
  return join(path_, name);
}

void ObjectReader::type_error(std::string_view name, const char* expected) {
  const std::string param = join(path_, name);
  fail(Error::invalid_request("invalid_type", "'" + param + "' must be " + expected + ".", param));
}

void ObjectReader::fail(Error error) {
  if (!error_) error_ = std::move(error);
}

void ObjectReader::adopt(const std::optional<Error>& child_error) {
  if (child_error) fail(*child_error);
}

const rapidjson::Value* ObjectReader::find(std::string_view name, bool required) {
  if (error_) return nullptr;
  seen_.emplace(name);
  const auto member = value_.FindMember(
      rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size())));
  if (member == value_.MemberEnd() || member->value.IsNull()) {
    if (required) {
      const std::string param = join(path_, name);
      fail(Error::invalid_request("parameter_missing", "'" + param + "' is required.", param));
    }
    return nullptr;
  }
  return &member->value;
}

std::optional<std::string> ObjectReader::string(std::string_view name, StringRule rule) {
  const rapidjson::Value* found = find(name, rule.required);
  if (found == nullptr) return std::nullopt;
  if (!found->IsString()) {
    type_error(name, "a string");
    return std::nullopt;
  }
  std::string text(found->GetString(), found->GetStringLength());
  if (text.size() < rule.min_length || text.size() > rule.max_length) {
    const std::string param = join(path_, name);
    fail(Error::invalid_request("parameter_invalid_length",
                                "'" + param + "' must be between " +
                                    std::to_string(rule.min_length) + " and " +
                                    std::to_string(rule.max_length) + " characters long.",
                                param));
    return std::nullopt;
  }
  return text;
}

std::optional<std::int64_t> ObjectReader::integer(std::string_view name, IntRule rule) {
  const rapidjson::Value* found = find(name, rule.required);
  if (found == nullptr) return std::nullopt;
  if (!found->IsInt64()) {
    type_error(name, "an integer");
    return std::nullopt;
  }
  const std::int64_t value = found->GetInt64();
  if (value < rule.min || value > rule.max) {
    const std::string param = join(path_, name);
    fail(Error::invalid_request("parameter_out_of_range",
                                "'" + param + "' must be between " + std::to_string(rule.min) +
                                    " and " + std::to_string(rule.max) + ".",
                                param));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> ObjectReader::boolean(std::string_view name, bool required) {
  const rapidjson::Value* found = find(name, required);
  if (found == nullptr) return std::nullopt;
  if (!found->IsBool()) {
    type_error(name, "a boolean");
    return std::nullopt;
  }
  return found->GetBool();
}

std::optional<std::vector<std::string>> ObjectReader::strings(std::string_view name, bool required,
                                                              std::size_t max_items,
                                                              StringRule each) {
  const rapidjson::Value* found = find(name, required);
  if (found == nullptr) return std::nullopt;
  if (!found->IsArray()) {
    type_error(name, "an array of strings");
    return std::nullopt;
  }
  const std::string param = join(path_, name);
  if (found->Size() > max_items) {
    fail(Error::invalid_request(
        "parameter_invalid_length",
        "'" + param + "' holds at most " + std::to_string(max_items) + " items.", param));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (rapidjson::SizeType i = 0; i < found->Size(); ++i) {
    const rapidjson::Value& item = (*found)[i];
    const std::string item_param = param + "[" + std::to_string(i) + "]";
    if (!item.IsString()) {
      fail(Error::invalid_request("invalid_type", "'" + item_param + "' must be a string.",
                                  item_param));
      return std::nullopt;
    }
    if (item.GetStringLength() < each.min_length || item.GetStringLength() > each.max_length) {
      fail(Error::invalid_request("parameter_invalid_length",
                                  "'" + item_param + "' must be between " +
                                      std::to_string(each.min_length) + " and " +
                                      std::to_string(each.max_length) + " characters long.",
                                  item_param));
      return std::nullopt;
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

const rapidjson::Value* ObjectReader::object(std::string_view name, bool required) {
  const rapidjson::Value* found = find(name, required);
  if (found == nullptr) return nullptr;
  if (!found->IsObject()) {
    type_error(name, "an object");
    return nullptr;
  }
  return found;
}

std::optional<Error> ObjectReader::finish() {
  if (error_) return error_;
  std::set<std::string_view> names;
  for (auto member = value_.MemberBegin(); member != value_.MemberEnd(); ++member) {
    const std::string_view name(member->name.GetString(), member->name.GetStringLength());
    if (!names.insert(name).second) {
      // JSON leaves duplicates undefined; refusing them keeps every reader of the body agreeing.
      const std::string param = join(path_, name);
      fail(Error::invalid_request("parameter_duplicate",
                                  "Parameter '" + param + "' appears more than once.", param));
      break;
    }
    if (!seen_.contains(name)) {
      const std::string param = join(path_, name);
      fail(Error::invalid_request("parameter_unknown",
                                  "Received unknown parameter '" + param + "'.", param));
      break;
    }
  }
  return error_;
}

const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  const auto found = object.FindMember(
      rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size())));
  return found == object.MemberEnd() ? nullptr : &found->value;
}

std::optional<std::string> string_of(const rapidjson::Value* value) {
  if (value == nullptr || !value->IsString()) return std::nullopt;
  return std::string(value->GetString(), value->GetStringLength());
}

}  // namespace portico::core::json
