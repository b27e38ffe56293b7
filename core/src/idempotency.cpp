#include "portico/core/idempotency.hpp"

#include <algorithm>
#include <vector>

#include "portico/core/crypto.hpp"
#include "portico/core/json.hpp"

namespace portico::core {

namespace {

void write_canonical(json::Writer& out, const rapidjson::Value& value) {
  if (value.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (const auto& member : value.GetObject())
      members.push_back(&member);
    std::stable_sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
      return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
             std::string_view(b->name.GetString(), b->name.GetStringLength());
    });
    out.StartObject();
    for (const auto* member : members) {
      out.Key(member->name.GetString(), member->name.GetStringLength());
      write_canonical(out, member->value);
    }
    out.EndObject();
  } else if (value.IsArray()) {
    out.StartArray();
    for (const auto& item : value.GetArray())
      write_canonical(out, item);
    out.EndArray();
  } else {
    value.Accept(out);
  }
}

// Length-prefixed, so no field can run into the next ("ab" + "c" is not "a" + "bc").
void add_field(std::string& text, std::string_view field) {
  text += std::to_string(field.size());
  text += ':';
  text += field;
}

}  // namespace

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > 255 || key.front() == ' ' || key.back() == ' ') return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::string canonical_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  json::Writer out(buffer);
  write_canonical(out, value);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string request_fingerprint(std::string_view method, std::string_view path,
                                const std::map<std::string, std::string, std::less<>>& query,
                                std::string_view body) {
  std::string text;
  add_field(text, method);
  add_field(text, path);
  for (const auto& [name, value] : query) {
    add_field(text, name);
    add_field(text, value);
  }
  text += '|';
  // An empty body is the same request as "{}": handlers read it so.
  auto parsed = json::parse(body.empty() ? std::string_view("{}") : body);
  if (parsed) {
    add_field(text, "json");
    add_field(text, canonical_json(*parsed));
  } else {
    add_field(text, "bytes");
    add_field(text, body);
  }
  return crypto::hex(crypto::sha256(text));
}

}  // namespace portico::core
