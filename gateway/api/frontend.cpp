#include "portico/api/frontend.hpp"

#include <charconv>

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>

#include "portico/api/billing.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/idempotency.hpp"
#include "portico/api/keys.hpp"
#include "portico/core/crypto.hpp"
#include "portico/core/ids.hpp"
#include "portico/http/request_scope.hpp"
#include "portico/store/repositories.hpp"

namespace portico::api {

namespace net = boost::asio;
namespace http = boost::beast::http;
using core::Error;

namespace {

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const auto byte = core::crypto::from_hex(text.substr(i + 1, 2));
      if (!byte) return std::nullopt;
      c = (*byte)[0];
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    // NUL and other control bytes have no business in a path or a query.
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
    out += c;
  }
  return out;
}

// Splits the target into a decoded path and query map; nothing on malformed input.
bool parse_target(std::string_view target, RequestContext& context) {
  if (target.empty() || target.front() != '/') return false;
  const std::size_t question = target.find('?');
  auto path = percent_decode(target.substr(0, question), false);
  if (!path) return false;
  context.path = std::move(*path);
  if (question == std::string_view::npos) return true;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    if (pair.empty()) continue;
    const std::size_t equals = pair.find('=');
    auto name = percent_decode(pair.substr(0, equals), true);
    auto value = percent_decode(
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
    if (!name || !value) return false;
    if (!context.query.emplace(std::move(*name), std::move(*value)).second) return false;
  }
  return true;
}

std::string_view bearer_token(const server::Request& request) {
  const auto header = request.find(http::field::authorization);
  if (header == request.end()) return {};
  std::string_view value = header->value();
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return {};
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ')
    value.remove_suffix(1);
  return value;
}

}  // namespace

Frontend::Frontend(Services& services, Router router, std::string listener,
                   core::TokenBuckets& key_limits)
    : services_(services),
      router_(std::move(router)),
      listener_(std::move(listener)),
      admin_token_hash_(core::crypto::sha256(services.config.admin.token.reveal())),
      key_limits_(key_limits) {}

server::Response Frontend::reject(unsigned status, std::string_view code,
                                  std::string_view message) {
  const std::string request_id = core::make_id(core::id_prefix::kRequest, services_.random);
  Error error = Error::invalid_request(std::string(code), std::string(message));
  error.status = static_cast<int>(status);
  server::Response response = error_response(request_id, error);
  services_.metrics.observe(listener_, "-", "rejected", status, std::chrono::nanoseconds(0));
  services_.log.info("request rejected", {{"listener", listener_},
                                          {"status", std::to_string(status)},
                                          {"code", code},
                                          {"request_id", request_id}});
  return response;
}

net::awaitable<server::Response> Frontend::handle(server::Request& request,
                                                  const server::Peer& peer) {
  const auto started = std::chrono::steady_clock::now();
  RequestContext context{.request_id = core::make_id(core::id_prefix::kRequest, services_.random),
                         .request = request};
  server::Response response;
  // Everything the request starts runs in its connection's scope, named for it, so each
  // supplier call it makes is recorded against its id (GET /admin/audit?request_id=).
  const auto executor = co_await net::this_coro::executor;
  if (const auto* scope = executor.target<portico::http::RequestScope>()) {
    scope->set_request_id(context.request_id);
  }
  try {
    response = co_await dispatch(context);
  } catch (const std::exception& failure) {
    services_.log.error("handler failed",
                        {{"request_id", context.request_id}, {"what", failure.what()}});
    response =
        error_response(context.request_id, Error::internal("Something went wrong on our side."));
  }
  finish(response, context, peer, started);
  co_return response;
}

net::awaitable<server::Response> Frontend::dispatch(RequestContext& context) {
  const std::string method(context.request.method_string());
  if (!parse_target(context.request.target(), context)) {
    context.route = "invalid";
    co_return error_response(
        context.request_id, Error::invalid_request("invalid_url", "The request URL is malformed."));
  }
  Router::Match match = router_.match(method, context.path);
  if (match.route == nullptr) {
    if (!match.allowed.empty()) {
      context.route = "method_not_allowed";
      Error error =
          Error::invalid_request("method_not_allowed", "This URL does not accept " + method + ".");
      error.status = 405;
      server::Response response = error_response(context.request_id, error);
      std::string allow;
      for (const std::string& allowed : match.allowed) {
        if (!allow.empty()) allow += ", ";
        allow += allowed;
      }
      response.set(http::field::allow, allow);
      co_return response;
    }
    context.route = "not_found";
    co_return error_response(context.request_id,
                             Error::not_found("Unrecognized request URL (" + method + " " +
                                              context.path.substr(0, 200) + ")."));
  }
  context.route = match.route->pattern;
  context.params = std::move(match.params);

  if (match.route->access == Access::partner) {
    auto principal = co_await authenticate_partner(context.request);
    if (!principal) co_return error_response(context.request_id, principal.error());
    context.principal = std::move(*principal);
    // Refused calls are not served, so they are not counted as usage either.
    if (const auto wait = key_limits_.take(context.principal->key_id, services_.clock.now())) {
      co_return error_response(
          context.request_id,
          Error::rate_limited(
              "Too many requests for this API key; retry after " + std::to_string(*wait) + " s.",
              *wait));
    }
    services_.usage.count(*context.principal, services_.clock.now());
    co_return co_await with_idempotency(services_, context, match.route->handler);
  }
  if (match.route->access == Access::admin) {
    if (auto status = authenticate_admin(context.request); !status) {
      co_return error_response(context.request_id, status.error());
    }
  }
  co_return co_await match.route->handler(context);
}

net::awaitable<core::Result<std::shared_ptr<const Principal>>> Frontend::authenticate_partner(
    const server::Request& request) {
  const std::string_view token = bearer_token(request);
  if (token.empty()) {
    co_return Error::authentication("missing_api_key",
                                    "No API key provided: send 'Authorization: Bearer <key>'.");
  }
  if (!key_livemode(services_.config.keys.brand, token)) {
    co_return Error::authentication("invalid_api_key", "The API key provided is not valid.");
  }
  const std::string hash = key_hash(token);
  const core::TimePoint now = services_.clock.now();
  const std::uint64_t revocations = services_.store.key_revocations().value();
  if (auto cached = services_.key_cache.find(hash, revocations, now)) co_return cached;
  auto lookup = [&hash](store::Database& db) -> core::Result<Principal> {
    const auto found = store::api_keys::find_with_partner_by_hash(db, hash);
    // Looked up by hash; the comparison below is constant-time as a second guard.
    if (!found || !core::crypto::constant_time_equal(found->key.hash, hash)) {
      return Error::authentication("invalid_api_key", "The API key provided is not valid.");
    }
    const store::ApiKeyRecord& key = found->key;
    if (key.revoked_at) {
      return Error::authentication("api_key_revoked", "The API key provided was revoked.");
    }
    return Principal{key.partner_id, found->partner_name, key.id, key.prefix, key.livemode};
  };
  // Every request does this: on this thread (one indexed read), not behind a thread hop.
  auto found = co_await services_.store.read_point<Principal>(lookup);
  if (!found) co_return found.error();
  auto principal = std::make_shared<const Principal>(std::move(*found));
  services_.key_cache.remember(hash, principal, revocations, now);
  co_return principal;
}

core::Status Frontend::authenticate_admin(const server::Request& request) const {
  const std::string_view token = bearer_token(request);
  if (token.empty()) {
    return Error::authentication("missing_admin_token",
                                 "No admin token provided: send 'Authorization: Bearer <token>'.");
  }
  // Comparing digests keeps the time independent of the token's length and content.
  if (!core::crypto::constant_time_equal(core::crypto::sha256(token), admin_token_hash_)) {
    return Error::authentication("invalid_admin_token", "The admin token provided is not valid.");
  }
  return core::Ok{};
}

void Frontend::finish(server::Response& response, const RequestContext& context,
                      const server::Peer& peer, std::chrono::steady_clock::time_point started) {
  response.set("X-Request-Id", context.request_id);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  const std::string method(context.request.method_string());
  services_.metrics.observe(listener_, method, context.route, response.result_int(), elapsed);
  services_.log.info(
      "request",
      {{"listener", listener_},
       {"method", method},
       {"route", context.route},
       {"status", std::to_string(response.result_int())},
       {"ms",
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count())},
       {"request_id", context.request_id},
       {"remote", peer.address},
       {"key", context.principal ? std::string_view(context.principal->key_prefix) : "-"}});
}

core::Result<rapidjson::Document> json_body(const RequestContext& context) {
  const auto content_type = context.request.find(http::field::content_type);
  const std::string_view body = context.request.body();
  if (!body.empty()) {
    const std::string_view type = content_type == context.request.end()
                                      ? std::string_view()
                                      : std::string_view(content_type->value());
    const std::string_view media = type.substr(0, type.find(';'));
    if (media != "application/json") {
      Error error = Error::invalid_request("unsupported_media_type",
                                           "Send the request body as application/json.");
      error.status = 415;
      return error;
    }
  }
  return core::json::parse(body.empty() ? std::string_view("{}") : body);
}

core::Result<ListQuery> list_query(const RequestContext& context,
                                   std::initializer_list<std::string_view> also_allowed) {
  ListQuery query;
  for (const auto& [name, value] : context.query) {
    if (name == "limit") {
      int limit = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc() || end != value.data() + value.size() || limit < 1 || limit > 100) {
        return Error::invalid_request("parameter_out_of_range",
                                      "'limit' must be an integer between 1 and 100.", "limit");
      }
      query.limit = limit;
    } else if (name == "starting_after") {
      query.starting_after = value;
    } else if (std::find(also_allowed.begin(), also_allowed.end(), name) == also_allowed.end()) {
      return Error::invalid_request(
          "parameter_unknown", "Received unknown query parameter '" + name.substr(0, 100) + "'.",
          name.substr(0, 100));
    }
  }
  return query;
}

core::Status no_query(const RequestContext& context) {
  if (context.query.empty()) return core::Ok{};
  const std::string name = context.query.begin()->first.substr(0, 100);
  return Error::invalid_request("parameter_unknown",
                                "Received unknown query parameter '" + name + "'.", name);
}

}  // namespace portico::api
