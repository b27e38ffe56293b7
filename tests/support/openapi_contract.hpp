#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "support/http.hpp"

namespace portico::testing {

// Checks a request and its answer against an OpenAPI 3.1 document: the operation exists, the
// status is documented, headers, query, path and bodies match their schemas. Schemas are read
// strictly: an object property the schema does not declare is a violation unless the schema
// says `additionalProperties`, so every field the server writes must be documented.
//
// Requests are checked only when the server accepted them (2xx): the tests send bad requests
// on purpose, and what the document must then describe is the error answered. A request to a
// route the document does not have is fine only when the server did not know it either (404,
// 405).
class OpenApiContract {
 public:
  explicit OpenApiContract(const std::string& document_json);

  // What does not match, one line each; empty when everything does.
  std::vector<std::string> check(const std::string& method, const std::string& target,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& body, const HttpReply& reply) const;

  // A webhook delivery (lowercase header names) against the document's `webhooks:` entry for
  // its event type: its headers and body.
  std::vector<std::string> check_webhook(const std::map<std::string, std::string>& headers,
                                         const std::string& body) const;

  // The schema checker on its own, for its unit tests: problems of `value` against `schema`.
  std::vector<std::string> validate(const rapidjson::Value& schema, const rapidjson::Value& value,
                                    const std::string& where) const;

  // "GET /api/v1/domains/{id}"-style names of every operation in the document.
  std::vector<std::string> operations() const;

  struct Operation {
    std::string path_template;
    const rapidjson::Value* operation = nullptr;
    std::map<std::string, std::string> path_params;
  };
  // The documented operation for a method and a path (without query), if any; `path_known` is
  // set when the path is documented under some method.
  std::optional<Operation> find(const std::string& method, const std::string& path,
                                bool& path_known) const;

 private:
  const rapidjson::Value& resolve(const rapidjson::Value& value) const;
  void validate_into(const rapidjson::Value& schema, const rapidjson::Value& value,
                     const std::string& where, std::vector<std::string>& problems) const;
  bool matches_pattern(const std::string& pattern, const std::string& text) const;
  void check_parameters(const rapidjson::Value& operation, const rapidjson::Value* path_item,
                        const std::map<std::string, std::string>& query,
                        const std::map<std::string, std::string>& path_params,
                        const std::string& where, std::vector<std::string>& problems) const;

  rapidjson::Document document_;
  mutable std::mutex regex_mutex_;
  mutable std::map<std::string, std::regex> regexes_;
};

}  // namespace portico::testing
