#include "sslci/client.hpp"

#include <functional>
#include <utility>

#include "portico/core/json.hpp"

#include "sslci/mapping.hpp"

namespace portico::adapters::sslci {

namespace {

std::string json_text(const std::function<void(core::json::Writer&)>& fields) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  fields(out);
  out.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

Client::Client(http::Client& http, core::Secret token, std::string base_path)
    : http_(http), token_(std::move(token)), path_(std::move(base_path)) {
  while (path_.size() > 1 && path_.back() == '/')
    path_.pop_back();
  if (path_.empty()) path_ = "/";
}

core::Async<rapidjson::Document> Client::list() {
  return call("GET", {}, false);
}

core::Async<rapidjson::Document> Client::challenge(std::string_view domain,
                                                   core::DcvMethod method) {
  return call("POST", json_text([&](core::json::Writer& out) {
                core::json::write(out, "domain", domain);
                core::json::write(out, "method", method_name(method));
              }),
              true);
}

core::Async<Confirmation> Client::confirm(std::string_view domain, std::int64_t order_id,
                                          core::DcvMethod method) {
  std::string body = json_text([&](core::json::Writer& out) {
    core::json::write(out, "domain", domain);
    core::json::write(out, "order_id", order_id);
    core::json::write(out, "method", method_name(method));
  });
  auto reply = co_await exchange("PUT", std::move(body), false);
  if (!reply.ok()) co_return std::move(reply).error();
  // "Verification failed: ..." and the like (a 400, or a 2xx with status false): the check ran
  // and did not pass.
  auto answer = core::json::parse(reply->body);
  const bool refused_in_body = reply->status >= 200 && reply->status < 300 && answer.ok() &&
                               has_boolean_status(*answer) && !is_success(*answer);
  if (reply->status == 400 || refused_in_body) {
    co_return Confirmation{false, answer.ok() ? failure_message(*answer) : std::string{}};
  }
  auto passed = classify(*reply, false);
  if (!passed.ok()) co_return std::move(passed).error();
  co_return Confirmation{verified_from_confirm(*passed), {}};
}

core::Async<rapidjson::Document> Client::finalize(const std::vector<std::string>& domains) {
  return call("POST", json_text([&](core::json::Writer& out) {
                core::json::write(out, "action", "finalize");
                core::json::key(out, "domains");
                out.StartArray();
                for (const auto& domain : domains)
                  core::json::string(out, domain);
                out.EndArray();
              }),
              true);
}

core::Async<rapidjson::Document> Client::remove(RecordKind kind, std::int64_t id) {
  return call("DELETE", json_text([&](core::json::Writer& out) {
                core::json::write(out, "type", kind == RecordKind::ssl ? "ssl" : "order");
                core::json::write(out, "id", id);
              }),
              true);
}

core::Async<Client::Reply> Client::exchange(std::string method, std::string body, bool write) {
  http::Request request;
  const bool has_body = !body.empty();
  request.method = std::move(method);
  request.target = path_;
  request.headers.push_back({"Authorization", "Bearer " + std::string(token_.reveal())});
  request.headers.push_back({"Accept", "application/json"});
  if (has_body) request.headers.push_back({"Content-Type", "application/json"});
  request.body = std::move(body);
  // The list (GET) and the confirmation (PUT: it only checks the challenge) may be sent again
  // after a failure; a new order, finalize and DELETE never.
  request.retry_safe = !write;

  auto response = co_await http_.send(std::move(request));
  if (!response.ok()) {
    core::Error error = std::move(response).error();
    // Asking again is harmless when the call changes nothing: no outcome to reconcile.
    if (!write) error.outcome_unknown = false;
    co_return error;
  }
  co_return Reply{response->status, std::move(response->body)};
}

core::Result<rapidjson::Document> Client::classify(const Reply& reply, bool write) {
  // The HTTP status decides first: an error status is classified whatever its body says.
  if (reply.status < 200 || reply.status >= 300) return error_for_status(reply.status, write);
  auto answer = core::json::parse(reply.body);
  if (!answer.ok() || !has_boolean_status(*answer)) return bad_response(write);
  if (!is_success(*answer)) return error_for_status(reply.status, write);
  return std::move(answer).value();
}

core::Async<rapidjson::Document> Client::call(std::string method, std::string body, bool write) {
  auto reply = co_await exchange(std::move(method), std::move(body), write);
  if (!reply.ok()) co_return std::move(reply).error();
  co_return classify(*reply, write);
}

}  // namespace portico::adapters::sslci
