#include "e2e/openapi_watch.hpp"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

#include "portico/api/openapi.hpp"

#include "support/http.hpp"
#include "support/openapi_contract.hpp"

namespace portico::testing {

namespace {

std::mutex ports_mutex;
std::multiset<std::uint16_t> watched_ports;

const OpenApiContract& contract() {
  static const OpenApiContract document(api::openapi_json());
  return document;
}

// With PORTICO_OPENAPI_COVERAGE=FILE, each checked call appends "METHOD /template STATUS" to
// FILE (ctest runs each test in its own process): which operations and answers the suite
// exercised, for `sort | uniq -c`.
void record_coverage(const std::string& method, const std::string& target, int status) {
  static const char* const file = std::getenv("PORTICO_OPENAPI_COVERAGE");
  if (file == nullptr) return;
  bool path_known = false;
  const auto operation = contract().find(method, target.substr(0, target.find('?')), path_known);
  if (!operation) return;
  static std::mutex file_mutex;
  std::lock_guard lock(file_mutex);
  if (std::FILE* out = std::fopen(file, "a")) {
    std::fprintf(out, "%s %s %d\n", method.c_str(), operation->path_template.c_str(), status);
    std::fclose(out);
  }
}

void check_against_contract(std::uint16_t port, const std::string& method,
                            const std::string& target,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& body, const HttpReply& reply) {
  {
    std::lock_guard lock(ports_mutex);
    if (!watched_ports.contains(port)) return;
  }
  if (!target.starts_with("/api/v1/")) return;
  record_coverage(method, target, reply.status);
  for (const std::string& problem : contract().check(method, target, headers, body, reply)) {
    ADD_FAILURE() << "openapi: " << problem;
  }
}

}  // namespace

void check_webhook_delivery(const std::map<std::string, std::string>& headers,
                            const std::string& body) {
  // The document names the headers with the default `webhooks.header_brand` (Portico); tests
  // that set another brand (the seed's GigaGlobe) are read as if they had not.
  std::string brand;
  for (const auto& [name, value] : headers) {
    if (name.starts_with("x-") && name.ends_with("-signature")) {
      brand = name.substr(0, name.size() - std::string_view("signature").size());
    }
  }
  std::map<std::string, std::string> branded;
  for (const auto& [name, value] : headers) {
    branded[!brand.empty() && name.starts_with(brand) ? "x-portico-" + name.substr(brand.size())
                                                      : name] = value;
  }
  for (const std::string& problem : contract().check_webhook(branded, body)) {
    ADD_FAILURE() << "openapi: " << problem;
  }
}

void watch_api_port(std::uint16_t port) {
  set_http_observer(check_against_contract);
  std::lock_guard lock(ports_mutex);
  watched_ports.insert(port);
}

void unwatch_api_port(std::uint16_t port) {
  std::lock_guard lock(ports_mutex);
  const auto found = watched_ports.find(port);
  if (found != watched_ports.end()) watched_ports.erase(found);
}

}  // namespace portico::testing
