#include "geniusplugin/client.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

#include "portico/core/json.hpp"

#include "geniusplugin/mapping.hpp"

namespace portico::adapters::geniusplugin {

namespace {

constexpr int kHttpOk = 200;
constexpr std::size_t kIvSize = 16;

// The endpoints that only read (docs/upstreams/geniusplugin.md, "Endpoints"), POSTs like every
// other: the HTTP client may send them again after a failure. Every other endpoint changes a
// package, and sent twice it either acts twice (autoregister, renew: paid) or answers an error
// for what the first one did (suspended, delete).
constexpr std::array<std::string_view, 3> kReadOnlyEndpoints = {"connection", "getcredit", "list"};

}  // namespace

Client::Client(http::Client& http, const core::Clock& clock, core::Random& random,
               Credentials credentials, std::string base_path)
    : http_(http),
      clock_(clock),
      random_(random),
      credentials_(std::move(credentials)),
      base_path_(std::move(base_path)) {
  while (!base_path_.empty() && base_path_.back() == '/')
    base_path_.pop_back();
}

core::Async<Answer> Client::call(std::string_view endpoint, std::string_view domain,
                                 FormFields fields, Effect effect) {
  const bool write = effect == Effect::write;
  const std::string timestamp = shuffled_timestamp(clock_.now(), random_);
  FormFields form = {{"domain", std::string(domain)},
                     {"hash", request_hash(credentials_.api_key.reveal(), domain, timestamp)},
                     {"timestamp", timestamp}};
  std::vector<std::string> sensitive;
  for (auto& field : fields) {
    // Whoever holds the API key can open the blob: it stays out of the audit trail too.
    if (field.first == "password") sensitive.push_back(field.second);
    form.push_back(std::move(field));
  }

  http::Request request;
  request.method = "POST";
  // The trailing slash is part of the route: without it the server redirects, and a POST
  // that follows a 301 arrives as a GET.
  request.target = base_path_ + "/" + std::string(endpoint) + "/";
  request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  request.headers.push_back({"Accept", "application/json"});
  request.body = encode_form(form);
  request.redact = std::move(sensitive);
  request.retry_safe = std::find(kReadOnlyEndpoints.begin(), kReadOnlyEndpoints.end(), endpoint) !=
                       kReadOnlyEndpoints.end();

  auto response = co_await http_.send(std::move(request));
  if (!response.ok()) co_return std::move(response).error();
  // Every answer the contract knows is a 200, errors included: anything else (a redirect, a
  // 5xx page) says nothing about what happened.
  if (response->status != kHttpOk) co_return bad_response(write);
  auto parsed = core::json::parse(response->body);
  if (!parsed.ok() || !parsed->IsObject()) co_return bad_response(write);
  auto status = core::json::string_of(core::json::member(*parsed, "status"));
  if (!status) co_return bad_response(write);
  co_return Answer{std::move(*status), std::move(parsed).value()};
}

std::string Client::password_blob(std::string_view password) const {
  std::array<std::uint8_t, kIvSize> iv{};
  random_.fill(iv);
  const std::string key =
      geniusplugin::password_key(credentials_.api_key.reveal(), credentials_.password_key);
  return encrypt_password(key, password,
                          std::string_view(reinterpret_cast<const char*>(iv.data()), iv.size()));
}

}  // namespace portico::adapters::geniusplugin
