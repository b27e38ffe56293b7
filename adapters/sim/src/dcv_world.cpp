#include "portico/sim/dcv_world.hpp"

#include <algorithm>
#include <stdexcept>

#include "portico/core/json.hpp"
#include "portico/core/text.hpp"
#include "portico/sim/server.hpp"

namespace portico::sim {

namespace {

using core::text::lowercase;
using core::text::uppercase;

constexpr std::size_t kMaxUrl = 2048;
constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxValue = 4096;
constexpr std::size_t kMaxContent = 64 * 1024;

// Scheme and host are case-insensitive, the path is not: "HTTP://Example.COM/x" is
// "http://example.com/x", "http://example.com/X" another file.
std::string url_key(const std::string& url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const std::size_t path_start = url.find('/', scheme_end + 3);
  const std::size_t authority_end = path_start == std::string::npos ? url.size() : path_start;
  std::string authority = lowercase(url.substr(0, authority_end));
  if (authority.ends_with('.')) authority.pop_back();  // "example.com." is the same host
  return authority + (path_start == std::string::npos ? "/" : url.substr(path_start));
}

std::string name_key(const std::string& name) {
  std::string key = lowercase(name);
  if (key.ends_with('.')) key.pop_back();
  return key;
}

std::optional<std::string> record_type(const std::string& type) {
  std::string upper = uppercase(type);
  if (upper == "TXT" || upper == "CNAME") return upper;
  return std::nullopt;
}

SimResponse no_content() {
  SimResponse response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

SimResponse bad_request(const std::string& message) {
  rapidjson::StringBuffer text;
  core::json::Writer out(text);
  out.StartObject();
  core::json::write(out, "error", std::string_view(message));
  out.EndObject();
  SimResponse response;
  response.status = 400;
  response.body = text.GetString();
  return response;
}

}  // namespace

void DcvWorld::publish_file(const std::string& url, const std::string& content) {
  std::lock_guard lock(mutex_);
  files_[url_key(url)] = content;
}

void DcvWorld::publish_record(const std::string& name, const std::string& type,
                              const std::string& value) {
  const std::optional<std::string> normalized = record_type(type);
  if (!normalized) throw std::invalid_argument("DcvWorld: record type must be TXT or CNAME");
  std::lock_guard lock(mutex_);
  std::vector<std::string>& values = records_[{name_key(name), *normalized}];
  if (*normalized == "CNAME") {
    values = {value};  // a name has at most one CNAME
  } else if (std::find(values.begin(), values.end(), value) == values.end()) {
    values.push_back(value);  // a record set holds each value once
  }
}

void DcvWorld::clear() {
  std::lock_guard lock(mutex_);
  files_.clear();
  records_.clear();
}

std::optional<std::string> DcvWorld::file(const std::string& url) const {
  std::lock_guard lock(mutex_);
  const auto found = files_.find(url_key(url));
  if (found == files_.end()) return std::nullopt;
  return found->second;
}

std::vector<std::string> DcvWorld::records(const std::string& name, const std::string& type) const {
  const std::optional<std::string> normalized = record_type(type);
  if (!normalized) return {};
  std::lock_guard lock(mutex_);
  const auto found = records_.find({name_key(name), *normalized});
  if (found == records_.end()) return {};
  return found->second;
}

void DcvWorld::install(Server& server) {
  server.route("POST", "/__sim/dcv/files", [this](const SimRequest& request) {
    auto document = core::json::parse(request.body);
    if (!document.ok()) return bad_request(document.error().message);
    core::json::ObjectReader body(*document);
    const auto url = body.string("url", {.required = true, .min_length = 1, .max_length = kMaxUrl});
    const auto content = body.string("content", {.required = true, .max_length = kMaxContent});
    if (auto error = body.finish()) return bad_request(error->message);
    publish_file(*url, *content);
    return no_content();
  });
  server.route("POST", "/__sim/dcv/records", [this](const SimRequest& request) {
    auto document = core::json::parse(request.body);
    if (!document.ok()) return bad_request(document.error().message);
    core::json::ObjectReader body(*document);
    const auto name =
        body.string("name", {.required = true, .min_length = 1, .max_length = kMaxName});
    const auto type = body.string("type", {.required = true, .min_length = 1, .max_length = 8});
    const auto value = body.string("value", {.required = true, .max_length = kMaxValue});
    if (auto error = body.finish()) return bad_request(error->message);
    if (!record_type(*type)) return bad_request("type must be TXT or CNAME");
    publish_record(*name, *type, *value);
    return no_content();
  });
  server.route("DELETE", "/__sim/dcv", [this](const SimRequest&) {
    clear();
    return no_content();
  });
}

}  // namespace portico::sim
