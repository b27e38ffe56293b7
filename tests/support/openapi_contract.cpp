#include "support/openapi_contract.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <set>
#include <stdexcept>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace portico::testing {

namespace {

using rapidjson::Value;

constexpr std::array<const char*, 5> kMethods = {"get", "post", "put", "patch", "delete"};
// Headers the gateway sets that a documented answer must declare when it carries them.
constexpr std::array<const char*, 4> kDeclaredHeaders = {"idempotent-replayed", "retry-after",
                                                         "www-authenticate", "allow"};

std::string lower(std::string text) {
  for (char& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string compact(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  std::string text(buffer.GetString(), buffer.GetSize());
  if (text.size() > 120) text = text.substr(0, 117) + "...";
  return text;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t at = 0;
  while (at < path.size()) {
    if (path[at] != '/') return {};
    const std::size_t next = path.find('/', at + 1);
    segments.push_back(path.substr(at + 1, next == std::string::npos ? next : next - at - 1));
    at = next == std::string::npos ? path.size() : next;
  }
  return segments;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
        hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> parameters;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    parameters[percent_decode(pair.substr(0, eq), true)] =
        eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return parameters;
}

std::size_t utf8_length(const char* text, std::size_t size) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < size; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U) ++count;
  }
  return count;
}

bool has_type(const Value& value, std::string_view type) {
  if (type == "null") return value.IsNull();
  if (type == "boolean") return value.IsBool();
  if (type == "object") return value.IsObject();
  if (type == "array") return value.IsArray();
  if (type == "string") return value.IsString();
  if (type == "number") return value.IsNumber();
  if (type == "integer") {
    if (value.IsInt64() || value.IsUint64()) return true;
    return value.IsDouble() &&
           value.GetDouble() == static_cast<double>(static_cast<std::int64_t>(value.GetDouble()));
  }
  return false;
}

// A parameter or header value (text on the wire) as the JSON value its schema describes.
Value typed_text(const std::string& text, const Value& schema, rapidjson::Document& scratch) {
  const Value* type = schema.IsObject() && schema.HasMember("type") ? &schema["type"] : nullptr;
  const auto is = [type](std::string_view name) {
    if (type == nullptr) return false;
    if (type->IsString()) return type->GetString() == name;
    if (type->IsArray()) {
      return std::any_of(type->Begin(), type->End(),
                         [name](const Value& t) { return t.IsString() && t.GetString() == name; });
    }
    return false;
  };
  if (is("integer")) {
    std::int64_t parsed = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error == std::errc() && end == text.data() + text.size()) return Value(parsed);
  }
  if (is("boolean") && (text == "true" || text == "false")) return Value(text == "true");
  return Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), scratch.GetAllocator());
}

}  // namespace

OpenApiContract::OpenApiContract(const std::string& document_json) {
  document_.Parse(document_json.c_str(), document_json.size());
  if (document_.HasParseError() || !document_.IsObject() || !document_.HasMember("paths")) {
    throw std::invalid_argument("not an OpenAPI document");
  }
}

const Value& OpenApiContract::resolve(const Value& value) const {
  const Value* current = &value;
  for (int depth = 0; depth < 16 && current->IsObject() && current->HasMember("$ref"); ++depth) {
    const std::string ref = (*current)["$ref"].GetString();
    if (!ref.starts_with("#/")) throw std::invalid_argument("only local $refs: " + ref);
    const Value* target = &document_;
    for (const std::string& raw : split_path(ref.substr(1))) {
      std::string token;
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '~' && i + 1 < raw.size()) {
          token += raw[i + 1] == '1' ? '/' : '~';
          ++i;
        } else {
          token += raw[i];
        }
      }
      if (!target->IsObject() || !target->HasMember(token.c_str())) {
        throw std::invalid_argument("dangling $ref: " + ref);
      }
      target = &(*target)[token.c_str()];
    }
    current = target;
  }
  return *current;
}

bool OpenApiContract::matches_pattern(const std::string& pattern, const std::string& text) const {
  std::lock_guard lock(regex_mutex_);
  auto found = regexes_.find(pattern);
  if (found == regexes_.end()) {
    found = regexes_.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
  }
  return std::regex_search(text, found->second);
}

std::vector<std::string> OpenApiContract::validate(const Value& schema, const Value& value,
                                                   const std::string& where) const {
  std::vector<std::string> problems;
  validate_into(schema, value, where, problems);
  return problems;
}

namespace {

// The properties a schema declares, with those of its allOf parts: what a strict object
// check lets through.
void declared_properties(const Value& schema, const std::function<const Value&(const Value&)>& at,
                         std::set<std::string>& names, bool& open) {
  if (!schema.IsObject()) return;
  if (schema.HasMember("properties")) {
    for (const auto& property : schema["properties"].GetObject()) {
      names.insert(property.name.GetString());
    }
  }
  if (schema.HasMember("additionalProperties") &&
      !(schema["additionalProperties"].IsBool() && !schema["additionalProperties"].GetBool())) {
    open = true;
  }
  if (schema.HasMember("allOf")) {
    for (const Value& part : schema["allOf"].GetArray()) {
      declared_properties(at(part), at, names, open);
    }
  }
}

}  // namespace

void OpenApiContract::validate_into(const Value& raw_schema, const Value& value,
                                    const std::string& where,
                                    std::vector<std::string>& problems) const {
  const Value& schema = resolve(raw_schema);
  if (schema.IsBool()) {
    if (!schema.GetBool()) problems.push_back(where + ": no value is allowed here");
    return;
  }
  if (!schema.IsObject()) return;

  if (schema.HasMember("type")) {
    const Value& type = schema["type"];
    bool matched = false;
    if (type.IsString()) {
      matched = has_type(value, type.GetString());
    } else if (type.IsArray()) {
      for (const Value& each : type.GetArray())
        matched = matched || has_type(value, each.GetString());
    }
    if (!matched) {
      problems.push_back(where + ": " + compact(value) + " is not of type " + compact(type));
      return;
    }
  }
  if (schema.HasMember("enum")) {
    const Value& allowed = schema["enum"];
    if (std::none_of(allowed.Begin(), allowed.End(),
                     [&value](const Value& each) { return each == value; })) {
      problems.push_back(where + ": " + compact(value) + " is not one of " + compact(allowed));
    }
  }
  if (schema.HasMember("const") && !(schema["const"] == value)) {
    problems.push_back(where + ": " + compact(value) + " is not " + compact(schema["const"]));
  }
  if (value.IsString()) {
    const std::size_t length = utf8_length(value.GetString(), value.GetStringLength());
    if (schema.HasMember("minLength") && length < schema["minLength"].GetUint64()) {
      problems.push_back(where + ": shorter than " + compact(schema["minLength"]));
    }
    if (schema.HasMember("maxLength") && length > schema["maxLength"].GetUint64()) {
      problems.push_back(where + ": longer than " + compact(schema["maxLength"]));
    }
    if (schema.HasMember("pattern") &&
        !matches_pattern(schema["pattern"].GetString(),
                         std::string(value.GetString(), value.GetStringLength()))) {
      problems.push_back(where + ": " + compact(value) + " does not match " +
                         schema["pattern"].GetString());
    }
  }
  if (value.IsNumber()) {
    const double number = value.GetDouble();
    if (schema.HasMember("minimum") && number < schema["minimum"].GetDouble()) {
      problems.push_back(where + ": " + compact(value) + " is below the minimum");
    }
    if (schema.HasMember("maximum") && number > schema["maximum"].GetDouble()) {
      problems.push_back(where + ": " + compact(value) + " is above the maximum");
    }
  }
  if (value.IsArray()) {
    if (schema.HasMember("minItems") && value.Size() < schema["minItems"].GetUint64()) {
      problems.push_back(where + ": fewer than " + compact(schema["minItems"]) + " items");
    }
    if (schema.HasMember("maxItems") && value.Size() > schema["maxItems"].GetUint64()) {
      problems.push_back(where + ": more than " + compact(schema["maxItems"]) + " items");
    }
    if (schema.HasMember("items")) {
      for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
        validate_into(schema["items"], value[i], where + "[" + std::to_string(i) + "]", problems);
      }
    }
  }
  if (value.IsObject()) {
    if (schema.HasMember("required")) {
      for (const Value& name : schema["required"].GetArray()) {
        if (!value.HasMember(name)) {
          problems.push_back(where + ": the required property '" + std::string(name.GetString()) +
                             "' is missing");
        }
      }
    }
    const Value* properties = schema.HasMember("properties") ? &schema["properties"] : nullptr;
    const Value* additional =
        schema.HasMember("additionalProperties") ? &schema["additionalProperties"] : nullptr;
    std::set<std::string> declared;
    bool open = false;
    declared_properties(
        schema, [this](const Value& part) -> const Value& { return resolve(part); }, declared,
        open);
    // Alternatives (oneOf, anyOf) judge the properties themselves.
    const bool alternatives = schema.HasMember("oneOf") || schema.HasMember("anyOf");
    for (const auto& member : value.GetObject()) {
      const std::string name = member.name.GetString();
      const std::string here = where + "." + name;
      if (properties != nullptr && properties->HasMember(member.name)) {
        validate_into((*properties)[member.name], member.value, here, problems);
      } else if (additional != nullptr && additional->IsObject()) {
        validate_into(*additional, member.value, here, problems);
      } else if (!declared.contains(name) && !open && !alternatives) {
        problems.push_back(here + ": the property is not in the document");
      }
    }
  }
  if (schema.HasMember("allOf")) {
    for (const Value& part : schema["allOf"].GetArray()) {
      // Each part is checked for its own rules; unknown properties were judged above.
      const Value& resolved = resolve(part);
      std::vector<std::string> found;
      validate_into(resolved, value, where, found);
      for (std::string& problem : found) {
        if (problem.find("the property is not in the document") == std::string::npos) {
          problems.push_back(std::move(problem));
        }
      }
    }
  }
  for (const char* keyword : {"oneOf", "anyOf"}) {
    if (!schema.HasMember(keyword)) continue;
    int matching = 0;
    std::string reasons;
    for (const Value& option : schema[keyword].GetArray()) {
      std::vector<std::string> found;
      validate_into(option, value, where, found);
      if (found.empty()) {
        ++matching;
      } else {
        reasons += "\n    - " + found.front();
      }
    }
    const bool one = std::string_view(keyword) == "oneOf";
    if (matching == 0) {
      problems.push_back(where + ": matches none of its " + keyword + reasons);
    } else if (one && matching > 1) {
      problems.push_back(where + ": matches " + std::to_string(matching) + " of its oneOf");
    }
  }
}

std::vector<std::string> OpenApiContract::check_webhook(
    const std::map<std::string, std::string>& headers, const std::string& body) const {
  std::vector<std::string> problems;
  rapidjson::Document event;
  event.Parse(body.c_str(), body.size());
  if (event.HasParseError() || !event.IsObject() || !event.HasMember("type") ||
      !event["type"].IsString()) {
    return {"webhook: the delivery's body is not an event: " + body.substr(0, 200)};
  }
  const std::string type = event["type"].GetString();
  const std::string where = "webhook " + type;
  if (!document_.HasMember("webhooks") || !document_["webhooks"].HasMember(type.c_str()) ||
      !document_["webhooks"][type.c_str()].HasMember("post")) {
    return {where + ": the document's webhooks: has no such event"};
  }
  const Value& operation = document_["webhooks"][type.c_str()]["post"];
  rapidjson::Document scratch;
  if (operation.HasMember("parameters")) {
    for (const Value& raw : operation["parameters"].GetArray()) {
      const Value& parameter = resolve(raw);
      if (std::string_view(parameter["in"].GetString()) != "header") continue;
      const std::string name = lower(parameter["name"].GetString());
      const auto found = headers.find(name);
      if (found == headers.end()) {
        if (parameter.HasMember("required") && parameter["required"].GetBool()) {
          problems.push_back(where + ": the header " + name + " is missing");
        }
        continue;
      }
      if (parameter.HasMember("schema")) {
        const Value& schema = resolve(parameter["schema"]);
        validate_into(schema, typed_text(found->second, schema, scratch), where + " header " + name,
                      problems);
      }
    }
  }
  validate_into(resolve(operation["requestBody"])["content"]["application/json"]["schema"], event,
                where + " body", problems);
  return problems;
}

std::optional<OpenApiContract::Operation> OpenApiContract::find(const std::string& method,
                                                                const std::string& path,
                                                                bool& path_known) const {
  path_known = false;
  const std::vector<std::string> segments = split_path(path);
  std::optional<Operation> best;
  int best_literals = -1;
  for (const auto& item : document_["paths"].GetObject()) {
    const std::string path_template = item.name.GetString();
    const std::vector<std::string> pattern = split_path(path_template);
    if (pattern.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    int literals = 0;
    bool matched = true;
    for (std::size_t i = 0; i < pattern.size() && matched; ++i) {
      const std::string& part = pattern[i];
      if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
        matched = !segments[i].empty();
        params[part.substr(1, part.size() - 2)] = percent_decode(segments[i], false);
      } else {
        matched = part == segments[i];
        ++literals;
      }
    }
    if (!matched) continue;
    path_known = true;
    const std::string verb = lower(method);
    if (!item.value.HasMember(verb.c_str()) || literals <= best_literals) continue;
    best_literals = literals;
    best = Operation{path_template, &item.value[verb.c_str()], std::move(params)};
  }
  return best;
}

std::vector<std::string> OpenApiContract::operations() const {
  std::vector<std::string> names;
  for (const auto& item : document_["paths"].GetObject()) {
    for (const char* method : kMethods) {
      if (item.value.HasMember(method)) {
        std::string name(method);
        for (char& c : name)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        names.push_back(name + " " + item.name.GetString());
      }
    }
  }
  return names;
}

void OpenApiContract::check_parameters(const Value& operation, const Value* path_item,
                                       const std::map<std::string, std::string>& query,
                                       const std::map<std::string, std::string>& path_params,
                                       const std::string& where,
                                       std::vector<std::string>& problems) const {
  std::map<std::string, const Value*> declared;  // "query:limit" -> parameter object
  for (const Value* holder : {path_item, &operation}) {
    if (holder == nullptr || !holder->HasMember("parameters")) continue;
    for (const Value& raw : (*holder)["parameters"].GetArray()) {
      const Value& parameter = resolve(raw);
      declared[std::string(parameter["in"].GetString()) + ":" + parameter["name"].GetString()] =
          &parameter;
    }
  }
  rapidjson::Document scratch;
  const auto check_value = [&](const std::string& kind, const std::string& name,
                               const std::string& text) {
    const auto found = declared.find(kind + ":" + name);
    if (found == declared.end()) {
      problems.push_back(where + ": the " + kind + " parameter '" + name +
                         "' is not in the document");
      return;
    }
    if (!found->second->HasMember("schema")) return;
    const Value& schema = resolve((*found->second)["schema"]);
    validate_into(schema, typed_text(text, schema, scratch), where + " " + kind + " " + name,
                  problems);
  };
  for (const auto& [name, text] : query)
    check_value("query", name, text);
  for (const auto& [name, text] : path_params)
    check_value("path", name, text);
  for (const auto& [key, parameter] : declared) {
    const bool required = parameter->HasMember("required") && (*parameter)["required"].GetBool();
    if (required && key.starts_with("query:") && !query.contains(key.substr(6))) {
      problems.push_back(where + ": the required query parameter '" + key.substr(6) +
                         "' was not sent");
    }
  }
}

std::vector<std::string> OpenApiContract::check(
    const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
    const HttpReply& reply) const {
  std::vector<std::string> problems;
  const std::size_t question = target.find('?');
  const std::string path = target.substr(0, question);
  const std::map<std::string, std::string> query =
      question == std::string::npos ? std::map<std::string, std::string>()
                                    : parse_query(std::string_view(target).substr(question + 1));
  const std::string status = std::to_string(reply.status);
  const std::string where = method + " " + path + " -> " + status;

  bool path_known = false;
  const auto found = find(method, path, path_known);
  if (!found) {
    // Routes the server does not have either; tests ask for them on purpose.
    if (reply.status == 404 || reply.status == 405) return problems;
    problems.push_back(where + ": the document has no operation " + method + " " + path);
    return problems;
  }
  const Value& operation = *found->operation;
  const std::string name = where + " (" + method + " " + found->path_template + ")";
  const Value& responses = operation["responses"];
  const Value* documented = nullptr;
  if (responses.HasMember(status.c_str())) {
    documented = &resolve(responses[status.c_str()]);
  } else if (responses.HasMember("default")) {
    documented = &resolve(responses["default"]);
  }
  if (documented == nullptr) {
    problems.push_back(name + ": the status is not documented; body " + reply.body.substr(0, 300));
    return problems;
  }

  if (reply.status >= 200 && reply.status < 300) {
    const Value* path_item = &document_["paths"][found->path_template.c_str()];
    check_parameters(operation, path_item, query, found->path_params, name, problems);
    // Undeclared request headers are allowed; a key on a write must be the documented one.
    const bool write = method == "POST" || method == "PATCH";
    for (const auto& header_value : headers) {
      const std::string& header = header_value.first;
      if (write && lower(header) == "idempotency-key") {
        bool has = false;
        if (operation.HasMember("parameters")) {
          for (const Value& raw : operation["parameters"].GetArray()) {
            const Value& parameter = resolve(raw);
            has = has || (std::string_view(parameter["in"].GetString()) == "header" &&
                          lower(parameter["name"].GetString()) == "idempotency-key");
          }
        }
        if (!has) problems.push_back(name + ": Idempotency-Key is not a documented parameter");
      }
    }
    if (!body.empty()) {
      if (!operation.HasMember("requestBody")) {
        problems.push_back(name + ": a body was accepted, but the operation takes none");
      } else {
        const Value& request_body = resolve(operation["requestBody"]);
        rapidjson::Document sent;
        sent.Parse(body.c_str(), body.size());
        if (!sent.HasParseError() && request_body["content"].HasMember("application/json")) {
          validate_into(request_body["content"]["application/json"]["schema"], sent,
                        name + " request", problems);
        }
      }
    } else if (operation.HasMember("requestBody")) {
      const Value& request_body = resolve(operation["requestBody"]);
      if (request_body.HasMember("required") && request_body["required"].GetBool()) {
        problems.push_back(name + ": accepted without the body the document requires");
      }
    }
  }

  // The answer: headers, then body.
  const Value* response_headers =
      documented->HasMember("headers") ? &(*documented)["headers"] : nullptr;
  std::set<std::string> declared_headers;
  if (response_headers != nullptr) {
    rapidjson::Document scratch;
    for (const auto& header : response_headers->GetObject()) {
      const std::string header_name = lower(header.name.GetString());
      declared_headers.insert(header_name);
      const Value& object = resolve(header.value);
      const std::string value = reply.header(header_name);
      const bool present = reply.headers.contains(header_name);
      if (!present) {
        if (object.HasMember("required") && object["required"].GetBool()) {
          problems.push_back(name + ": the header " + header.name.GetString() + " is missing");
        }
        continue;
      }
      if (object.HasMember("schema")) {
        const Value& schema = resolve(object["schema"]);
        validate_into(schema, typed_text(value, schema, scratch),
                      name + " header " + header.name.GetString(), problems);
      }
    }
  }
  for (const char* header : kDeclaredHeaders) {
    if (reply.headers.contains(header) && !declared_headers.contains(header)) {
      problems.push_back(name + ": the answer has the header " + header +
                         ", which the document does not declare");
    }
  }
  if (documented->HasMember("content")) {
    const Value& content = (*documented)["content"];
    if (content.HasMember("application/json")) {
      if (!reply.header("content-type").starts_with("application/json")) {
        problems.push_back(name + ": the answer is " + reply.header("content-type") +
                           ", the document says application/json");
      } else {
        rapidjson::Document answer;
        answer.Parse(reply.body.c_str(), reply.body.size());
        if (answer.HasParseError()) {
          problems.push_back(name + ": the answer is not JSON");
        } else if (content["application/json"].HasMember("schema")) {
          validate_into(content["application/json"]["schema"], answer, name + " body", problems);
        }
      }
    }
  } else if (!reply.body.empty()) {
    problems.push_back(name + ": the answer has a body, the document describes none");
  }
  return problems;
}

}  // namespace portico::testing
