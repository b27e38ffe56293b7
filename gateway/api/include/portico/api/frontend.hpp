#pragma once

#include <string>

#include <boost/asio/awaitable.hpp>

#include "portico/api/router.hpp"
#include "portico/api/services.hpp"
#include "portico/core/json.hpp"
#include "portico/core/result.hpp"
#include "portico/core/token_bucket.hpp"

namespace portico::api {

// The request pipeline of one listener: request id, target parsing, routing (404/405),
// authentication (partner key or admin token), the per-key rate limit, the handler, then
// X-Request-Id, metrics and the access log. Nothing thrown by a handler escapes: it becomes a 500
// api_error.
class Frontend {
 public:
  // `key_limits` (keys.requests_per_second and keys.burst per API key) outlives the frontend:
  // a reload builds another frontend over the same buckets.
  Frontend(Services& services, Router router, std::string listener, core::TokenBuckets& key_limits);

  boost::asio::awaitable<server::Response> handle(server::Request& request,
                                                  const server::Peer& peer);
  // For the transport's own refusals (413, 431, broken HTTP).
  server::Response reject(unsigned status, std::string_view code, std::string_view message);
  const Router& router() const { return router_; }

 private:
  boost::asio::awaitable<core::Result<std::shared_ptr<const Principal>>> authenticate_partner(
      const server::Request& request);
  core::Status authenticate_admin(const server::Request& request) const;
  boost::asio::awaitable<server::Response> dispatch(RequestContext& context);
  void finish(server::Response& response, const RequestContext& context, const server::Peer& peer,
              std::chrono::steady_clock::time_point started);

  Services& services_;
  Router router_;
  std::string listener_;
  std::string admin_token_hash_;
  core::TokenBuckets& key_limits_;
};

// Helpers for handlers.

// The JSON body of a POST/PATCH: Content-Type must be JSON; an empty body reads as {}.
core::Result<rapidjson::Document> json_body(const RequestContext& context);

// Cursor pagination parameters (`limit` 1..100, default 10; `starting_after`), refusing any
// query parameter not listed in `also_allowed`.
struct ListQuery {
  int limit = 10;
  std::optional<std::string> starting_after;
};
core::Result<ListQuery> list_query(const RequestContext& context,
                                   std::initializer_list<std::string_view> also_allowed = {});
// Refuses any query parameter on routes that take none.
core::Status no_query(const RequestContext& context);

}  // namespace portico::api
