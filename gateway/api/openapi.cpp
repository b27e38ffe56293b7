#include "portico/api/openapi.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <regex>
#include <stdexcept>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <yaml-cpp/yaml.h>

#include "portico/embedded.hpp"

namespace portico::api {

namespace {

using Value = rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

constexpr std::string_view kRoot = "openapi.yaml";
constexpr std::array<std::string_view, 5> kMethods = {"get", "post", "put", "patch", "delete"};

[[noreturn]] void fail(std::string_view file, const std::string& what) {
  throw std::logic_error("OpenAPI fragment " + std::string(file) + ": " + what);
}

Value string_value(std::string_view text, Allocator& allocator) {
  return Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

// A plain (unquoted) YAML scalar is typed as YAML 1.2's core schema types it; a quoted one is
// always a string.
Value scalar_value(const YAML::Node& node, Allocator& allocator) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "?") return string_value(text, allocator);
  if (text == "true" || text == "false") return Value(text == "true");
  if (text == "null" || text == "~") return Value(rapidjson::kNullType);
  static const std::regex integer("-?(0|[1-9][0-9]*)");
  static const std::regex number("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?");
  if (std::regex_match(text, integer)) {
    std::int64_t parsed = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error == std::errc() && end == text.data() + text.size()) return Value(parsed);
  }
  if (std::regex_match(text, number)) return Value(std::stod(text));
  return string_value(text, allocator);
}

Value to_json(const YAML::Node& node, Allocator& allocator, std::string_view file) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      Value object(rapidjson::kObjectType);
      for (const auto& entry : node) {
        const std::string& key = entry.first.Scalar();
        if (object.HasMember(key.c_str())) fail(file, "the key '" + key + "' appears twice");
        object.AddMember(string_value(key, allocator), to_json(entry.second, allocator, file),
                         allocator);
      }
      return object;
    }
    case YAML::NodeType::Sequence: {
      Value array(rapidjson::kArrayType);
      for (const auto& item : node)
        array.PushBack(to_json(item, allocator, file), allocator);
      return array;
    }
    case YAML::NodeType::Scalar:
      return scalar_value(node, allocator);
    default:
      return Value(rapidjson::kNullType);
  }
}

Value& object_member(Value& object, std::string_view name, Allocator& allocator) {
  auto found = object.FindMember(Value(rapidjson::StringRef(name.data(), name.size())));
  if (found != object.MemberEnd()) return found->value;
  object.AddMember(string_value(name, allocator), Value(rapidjson::kObjectType), allocator);
  return (object.MemberEnd() - 1)->value;
}

// Moves every member of `from` into `into`; a name both have is a clash between fragments.
void merge_members(Value& into, Value& from, Allocator& allocator, std::string_view file,
                   std::string_view section) {
  if (!from.IsObject()) fail(file, "'" + std::string(section) + "' is not a mapping");
  for (auto& member : from.GetObject()) {
    if (into.HasMember(member.name)) {
      fail(file, std::string(section) + "." + member.name.GetString() + " is defined twice");
    }
    into.AddMember(member.name, member.value, allocator);
  }
}

void merge_fragment(Value& root, Value& fragment, Allocator& allocator, std::string_view file) {
  if (!fragment.IsObject()) fail(file, "is not a mapping");
  for (auto& member : fragment.GetObject()) {
    const std::string_view name = member.name.GetString();
    if (name == "paths" || name == "webhooks") {
      merge_members(object_member(root, name, allocator), member.value, allocator, file, name);
    } else if (name == "components") {
      Value& components = object_member(root, "components", allocator);
      if (!member.value.IsObject()) fail(file, "'components' is not a mapping");
      for (auto& section : member.value.GetObject()) {
        const std::string_view section_name = section.name.GetString();
        merge_members(object_member(components, section_name, allocator), section.value, allocator,
                      file, "components." + std::string(section_name));
      }
    } else {
      fail(file, "has '" + std::string(name) + "'; a fragment holds paths, webhooks, components");
    }
  }
}

Value reference(std::string_view target, Allocator& allocator) {
  Value ref(rapidjson::kObjectType);
  ref.AddMember("$ref", string_value(target, allocator), allocator);
  return ref;
}

// The response object a response entry stands for: itself, or the shared one it refers to.
Value* resolve_response(Value& root, Value& response) {
  if (!response.HasMember("$ref")) return &response;
  const std::string_view ref = response["$ref"].GetString();
  constexpr std::string_view prefix = "#/components/responses/";
  if (!ref.starts_with(prefix)) return nullptr;
  Value& shared = root["components"]["responses"];
  const std::string name(ref.substr(prefix.size()));
  return shared.HasMember(name.c_str()) ? &shared[name.c_str()] : nullptr;
}

void add_header(Value& response, std::string_view name, std::string_view component,
                Allocator& allocator) {
  Value& headers = object_member(response, "headers", allocator);
  if (headers.HasMember(Value(rapidjson::StringRef(name.data(), name.size())))) return;
  headers.AddMember(string_value(name, allocator),
                    reference("#/components/headers/" + std::string(component), allocator),
                    allocator);
}

void add_response(Value& responses, std::string_view status, std::string_view component,
                  Allocator& allocator) {
  if (responses.HasMember(Value(rapidjson::StringRef(status.data(), status.size())))) return;
  responses.AddMember(string_value(status, allocator),
                      reference("#/components/responses/" + std::string(component), allocator),
                      allocator);
}

bool has_parameter(const Value& operation, std::string_view ref) {
  if (!operation.HasMember("parameters")) return false;
  for (const Value& parameter : operation["parameters"].GetArray()) {
    if (parameter.HasMember("$ref") && parameter["$ref"].GetString() == ref) return true;
  }
  return false;
}

// What every operation shares, added once here rather than written in every fragment.
void complete_operation(Value& root, std::string_view method, Value& operation,
                        Allocator& allocator) {
  const bool secured = !operation.HasMember("security") || !operation["security"].Empty();
  const bool write = method == "post" || method == "patch";
  Value& responses = object_member(operation, "responses", allocator);
  add_response(responses, "400", "BadRequest", allocator);
  add_response(responses, "431", "HeaderTooLarge", allocator);
  add_response(responses, "500", "InternalError", allocator);
  if (secured) {
    add_response(responses, "401", "Unauthorized", allocator);
    add_response(responses, "429", "RateLimited", allocator);
  }
  if (operation.HasMember("requestBody")) {
    add_response(responses, "413", "PayloadTooLarge", allocator);
    add_response(responses, "415", "UnsupportedMediaType", allocator);
  }
  if (write) {
    add_response(responses, "409", "Conflict", allocator);
    add_response(responses, "422", "Unprocessable", allocator);
    constexpr std::string_view key = "#/components/parameters/IdempotencyKey";
    if (!has_parameter(operation, key)) {
      if (!operation.HasMember("parameters")) {
        operation.AddMember("parameters", Value(rapidjson::kArrayType), allocator);
      }
      operation["parameters"].PushBack(reference(key, allocator), allocator);
    }
  }
  for (auto& entry : responses.GetObject()) {
    Value* response = resolve_response(root, entry.value);
    if (response == nullptr) continue;
    add_header(*response, "X-Request-Id", "RequestId", allocator);
    const std::string_view status = entry.name.GetString();
    if (write && status.starts_with('2')) {
      add_header(*response, "Idempotent-Replayed", "IdempotentReplayed", allocator);
    }
    // A 409 of a write may be the idempotency conflict, which says when to retry.
    if (status == "429" || status == "503" || (write && status == "409")) {
      add_header(*response, "Retry-After", "RetryAfter", allocator);
    }
  }
}

std::string build_document() {
  const auto fragments = openapi_fragments();
  rapidjson::Document document;
  Allocator& allocator = document.GetAllocator();
  const auto root_file = std::find_if(fragments.begin(), fragments.end(),
                                      [](const EmbeddedFile& file) { return file.name == kRoot; });
  if (root_file == fragments.end()) fail(kRoot, "is missing");
  const auto parse = [&allocator](const EmbeddedFile& file) {
    try {
      return to_json(YAML::Load(std::string(file.content)), allocator, file.name);
    } catch (const YAML::Exception& error) {
      fail(file.name, error.what());
    }
  };
  Value root = parse(*root_file);
  for (const EmbeddedFile& file : fragments) {
    if (file.name == kRoot) continue;
    Value fragment = parse(file);
    merge_fragment(root, fragment, allocator, file.name);
  }
  for (auto& path : object_member(root, "paths", allocator).GetObject()) {
    for (const std::string_view method : kMethods) {
      const auto found =
          path.value.FindMember(Value(rapidjson::StringRef(method.data(), method.size())));
      if (found != path.value.MemberEnd()) {
        complete_operation(root, method, found->value, allocator);
      }
    }
  }
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  root.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

const std::string& openapi_json() {
  static const std::string document = build_document();
  return document;
}

}  // namespace portico::api
