// GET /api/v1/capabilities?tld=.co.ke: what the route for a TLD can do, so a panel can hide
// what would be refused. With several instances on a route, only what all of them can do is
// listed (an order may fail over to any of them). Instance and supplier names are not shown.
#include <algorithm>

#include "portico/api/domains.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/core/names.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;

namespace {

// What every instance of the route can do, registrar and DNS host together.
core::Capabilities common_capabilities(const DomainRoute& route) {
  core::Capabilities common;
  bool first = true;
  for (auto* instance : route.instances) {
    core::Capabilities own = instance->registrar()->capabilities();
    if (core::DnsHost* dns = instance->dns()) {
      own.operations.insert(dns->capabilities().operations.begin(),
                            dns->capabilities().operations.end());
      own.record_types = dns->capabilities().record_types;
    }
    if (first) {
      common = own;
      first = false;
      continue;
    }
    std::erase_if(common.operations, [&](auto op) { return !own.operations.contains(op); });
    std::erase_if(common.record_types, [&](auto type) { return !own.record_types.contains(type); });
    common.min_years = std::max(common.min_years, own.min_years);
    common.max_years = std::min(common.max_years, own.max_years);
  }
  return common;
}

net::awaitable<server::Response> capabilities(Services& services, RequestContext& context) {
  for (const auto& [name, value] : context.query) {
    if (name != "tld") {
      co_return error_response(
          context.request_id,
          Error::invalid_request("parameter_unknown",
                                 "Received unknown query parameter '" + name.substr(0, 100) + "'.",
                                 name.substr(0, 100)));
    }
  }
  const auto found = context.query.find("tld");
  if (found == context.query.end()) {
    co_return error_response(
        context.request_id,
        Error::invalid_request("parameter_missing", "Give the TLD to describe, e.g. ?tld=.co.ke.",
                               "tld"));
  }
  std::string tld = found->second;
  if (!tld.starts_with('.')) tld.insert(0, ".");
  auto probe = domain_name_param("x" + tld, "tld");
  if (!probe) {
    co_return error_response(context.request_id,
                             Error::invalid_request("invalid_tld", "'tld' is not a TLD.", "tld"));
  }
  tld = probe->substr(1);
  auto route = route_domain(services, *probe, context.partner().livemode);
  if (!route) {
    core::Error refused = route.error();
    refused.param = "tld";  // the query parameter at fault here, not a body's "name"
    co_return error_response(context.request_id, refused);
  }
  const core::Capabilities common = common_capabilities(*route);
  co_return data_response(context.request_id, 200, [&](core::json::Writer& out) {
    core::json::write(out, "object", "capabilities");
    core::json::write(out, "tld", tld);
    core::json::write(out, "route", route->suffix);
    core::json::write(out, "instances", static_cast<std::int64_t>(route->instances.size()));
    core::json::key(out, "operations");
    out.StartArray();
    for (auto operation : common.operations)
      core::json::string(out, core::name_of(operation));
    out.EndArray();
    core::json::key(out, "dns_record_types");
    out.StartArray();
    for (auto type : common.record_types)
      core::json::string(out, core::name_of(type));
    out.EndArray();
    core::json::key(out, "years");
    out.StartObject();
    core::json::write(out, "min", common.min_years);
    core::json::write(out, "max", common.max_years);
    out.EndObject();
  });
}

}  // namespace

void add_capability_routes(Router& router, Services& services) {
  add_partner_route(router, services, "GET", "/api/v1/capabilities", capabilities);
}

}  // namespace portico::api
