#include "digicert/client.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "portico/core/json.hpp"

#include "digicert/mapping.hpp"

namespace portico::adapters::digicert {

namespace {

bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isspace(c) != 0; });
}

bool success(int status) {
  return status >= 200 && status < 300;
}

// A read that timed out or lost its connection changed nothing: no outcome to reconcile.
core::Error transport_error(core::Error error, bool write) {
  if (!write) error.outcome_unknown = false;
  return error;
}

}  // namespace

void CoolDown::start() {
  const core::TimePoint until = clock_.now() + length_;
  std::lock_guard lock(mutex_);
  if (!until_ || *until_ < until) until_ = until;
}

std::optional<int> CoolDown::remaining() const {
  const core::TimePoint now = clock_.now();
  std::lock_guard lock(mutex_);
  if (!until_ || *until_ <= now) return std::nullopt;
  const auto left = std::chrono::ceil<std::chrono::seconds>(*until_ - now);
  return static_cast<int>(left.count());
}

Client::Client(http::Client& http, const core::Clock& clock, core::Secret api_key,
               std::string base_path)
    : http_(http),
      api_key_(std::move(api_key)),
      base_path_(std::move(base_path)),
      cool_down_(std::make_shared<CoolDown>(clock, kCoolDown)) {
  while (!base_path_.empty() && base_path_.back() == '/')
    base_path_.pop_back();
}

core::Async<Reply> Client::send(std::string method, std::string path, std::string body,
                                Effect effect) {
  if (const auto left = cool_down_->remaining()) co_return rate_limited(*left);

  http::Request request;
  request.method = std::move(method);
  request.target = base_path_ + path;
  request.headers.push_back({"X-DC-DEVKEY", std::string(api_key_.reveal())});
  request.headers.push_back({"Accept", "application/json"});
  // On every call, GET included, as go-certcentral sends it.
  request.headers.push_back({"Content-Type", "application/json"});
  request.body = std::move(body);
  request.retry_safe = effect != Effect::write;

  auto response = co_await http_.send(std::move(request));
  if (!response.ok()) co_return std::move(response).error();
  if (response->status == 429) {
    // A refused request did nothing at the supplier; the whole instance backs off.
    cool_down_->start();
    co_return rate_limited(static_cast<int>(cool_down_->length().count()));
  }
  co_return Reply{response->status, std::move(response->body)};
}

core::Async<rapidjson::Document> Client::json(std::string method, std::string path,
                                              std::string body, Effect effect) {
  const bool write = effect != Effect::read;
  auto reply = co_await send(std::move(method), std::move(path), std::move(body), effect);
  if (!reply.ok()) co_return transport_error(std::move(reply).error(), write);
  if (!success(reply->status)) co_return error_from_reply(reply->status, reply->body, write);
  if (blank(reply->body)) co_return rapidjson::Document();  // 204, or a 201 without a body
  auto document = core::json::parse(reply->body);
  if (!document.ok()) co_return bad_response(write);
  co_return std::move(document).value();
}

core::Async<std::string> Client::text(std::string path) {
  auto reply = co_await send("GET", std::move(path), {}, Effect::read);
  if (!reply.ok()) co_return transport_error(std::move(reply).error(), false);
  if (!success(reply->status)) co_return error_from_reply(reply->status, reply->body, false);
  co_return std::move(reply->body);
}

}  // namespace portico::adapters::digicert
