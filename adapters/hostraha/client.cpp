#include "hostraha/client.hpp"

#include <utility>

#include "portico/core/json.hpp"
#include "portico/core/webhook.hpp"

#include "hostraha/mapping.hpp"
#include "hostraha/signer.hpp"

namespace portico::adapters::hostraha {

Client::Client(http::Client& http, const core::Clock& clock, Credentials credentials,
               std::string base_path)
    : http_(http),
      clock_(clock),
      credentials_(std::move(credentials)),
      base_path_(std::move(base_path)) {
  while (!base_path_.empty() && base_path_.back() == '/')
    base_path_.pop_back();
}

std::string Client::current_token() {
  const core::TimePoint now = clock_.now();
  // The token changes with the UTC hour, as hour_stamp() does.
  const auto hour = std::chrono::floor<std::chrono::hours>(now.time_since_epoch());
  const std::lock_guard lock(token_->mutex);
  if (hour != token_->hour) {
    token_->token = token(credentials_.username, credentials_.api_key.reveal(), now);
    token_->hour = hour;
  }
  return token_->token;
}

core::Async<rapidjson::Document> Client::get(std::string action) {
  return send("GET", std::move(action), {}, Effect::read);
}

core::Async<rapidjson::Document> Client::post(std::string action, const PhpForm& form,
                                              Effect effect) {
  return send("POST", std::move(action), form.encode(), effect);
}

core::Async<rapidjson::Document> Client::send(std::string method, std::string action,
                                              std::string body, Effect effect) {
  const bool write = effect == Effect::write;
  const bool has_body = method != "GET";
  http::Request request;
  request.method = std::move(method);
  request.target = base_path_ + "/" + action;
  // The token of the call's hour: one made at 13:59:59 is refused at 14:00:00.
  request.headers.push_back({"username", credentials_.username});
  request.headers.push_back({"token", current_token()});
  if (has_body) {
    request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  }
  request.headers.push_back({"Accept", "application/json"});
  request.body = std::move(body);
  // Reads (GETs, and the POSTs that only read: lookup, sync, transfersync) may be sent again
  // after a failure; writes never: the API documents no idempotent write.
  request.retry_safe = !write;

  auto response = co_await http_.send(std::move(request));
  if (!response.ok()) {
    // A read that timed out or lost its connection changed nothing: no outcome to reconcile.
    core::Error error = std::move(response).error();
    if (!write) error.outcome_unknown = false;
    co_return error;
  }
  const std::optional<std::string> retry_after = response->header("Retry-After");
  const auto asked =
      retry_after ? core::webhook::parse_retry_after(*retry_after, core::unix_seconds(clock_.now()))
                  : std::nullopt;
  if (auto error = error_from_status(response->status, asked ? static_cast<int>(asked->count()) : 1,
                                     write)) {
    co_return std::move(*error);
  }

  // The vendor's client wraps a body that is not JSON as {"error": body}: a failure either way.
  auto answer = core::json::parse(response->body);
  if (!answer.ok()) co_return bad_response(write);
  if (answer->IsObject()) {
    const auto error = answer->FindMember("error");
    if (error != answer->MemberEnd()) {
      co_return error_from_message(
          error->value.IsString()
              ? std::string_view(error->value.GetString(), error->value.GetStringLength())
              : std::string_view{});
    }
  }
  co_return std::move(answer).value();
}

}  // namespace portico::adapters::hostraha
