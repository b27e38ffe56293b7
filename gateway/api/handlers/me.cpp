#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"

namespace portico::api {

namespace net = boost::asio;

// GET /api/v1/me: who the key belongs to; the first call a partner makes.
void add_me_routes(Router& router, Services&) {
  router.add({"GET", "/api/v1/me", Access::partner,
              [](RequestContext& context) -> net::awaitable<server::Response> {
                if (auto status = no_query(context); !status) {
                  co_return error_response(context.request_id, status.error());
                }
                const Principal& partner = context.partner();
                co_return data_response(context.request_id, 200, [&](core::json::Writer& out) {
                  core::json::write(out, "object", "partner");
                  core::json::write(out, "id", partner.partner_id);
                  core::json::write(out, "name", partner.partner_name);
                  core::json::write(out, "livemode", partner.livemode);
                  core::json::key(out, "api_key");
                  out.StartObject();
                  core::json::write(out, "id", partner.key_id);
                  core::json::write(out, "prefix", partner.key_prefix);
                  out.EndObject();
                });
              }});
}

}  // namespace portico::api
