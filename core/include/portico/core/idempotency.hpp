#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

// What makes two requests "the same" for an Idempotency-Key, as pure functions.
namespace portico::core {

// An Idempotency-Key: 1 to 255 printable ASCII characters (0x20 to 0x7e), with no space at
// either end (HTTP trims them, so two keys would differ only on the wire).
bool valid_idempotency_key(std::string_view key);

// A JSON value written compactly with every object's members sorted by name (byte order),
// recursively: member order and whitespace do not make another request.
std::string canonical_json(const rapidjson::Value& value);

// The identity of a request for its key: hex SHA-256 over the method, the decoded path, the
// query (sorted by name), and the body as canonical JSON when it parses as JSON, else as its
// bytes.
std::string request_fingerprint(std::string_view method, std::string_view path,
                                const std::map<std::string, std::string, std::less<>>& query,
                                std::string_view body);

}  // namespace portico::core
