// Glue records: name servers inside the domain itself (ns1.example.com) registered at the
// registry with their address. Suppliers cannot list them, so the gateway keeps the ones made
// through it on the domain's record (it needs the current address to change one).
#include <algorithm>

#include "portico/api/domains.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/core/domain_name.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;

namespace {

void write_glue(core::json::Writer& out, const store::DomainRecord& domain,
                const core::GlueRecord& glue) {
  core::json::write(out, "object", "glue_record");
  core::json::write(out, "domain_id", domain.id);
  core::json::write(out, "host", glue.host);
  core::json::write(out, "address", glue.address);
}

// An IPv4 or IPv6 address (IPv6 in its canonical form), or nothing after failing `body`.
std::optional<std::string> read_address(core::json::ObjectReader& body) {
  auto address = body.string("address", {.required = true, .min_length = 2, .max_length = 45});
  if (!address) return std::nullopt;
  if (core::is_ipv4(*address)) return address;
  if (auto v6 = core::normalize_ipv6(*address)) return v6;
  body.fail(Error::invalid_request("invalid_ip_address",
                                   "'address' must be an IPv4 or IPv6 address.", "address"));
  return std::nullopt;
}

// A host under the domain: "ns1" or "ns1.example.com" for example.com.
core::Result<std::string> glue_host(std::string_view text, const std::string& zone,
                                    const std::string& param) {
  std::string candidate(text);
  if (candidate.find('.') == std::string::npos) candidate += "." + zone;
  auto host = core::normalize_name_server(candidate, param);
  if (!host) return host.error();
  if (!host->ends_with("." + zone)) {
    return Error::unprocessable("glue_outside_domain",
                                "A glue record's host must be inside " + zone + ".", param);
  }
  return host;
}

net::awaitable<server::Response> list_glue(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto domain = co_await load_domain(services, context);
  if (!domain) co_return error_response(context.request_id, domain.error());
  const store::DomainRecord& record = *domain;
  co_return list_response(
      context.request_id, record.glue,
      [&record](core::json::Writer& out, const core::GlueRecord& glue) {
        write_glue(out, record, glue);
      },
      static_cast<std::int64_t>(record.glue.size()), false);
}

enum class GlueChange { create, update, remove };

net::awaitable<server::Response> change_glue(Services& services, RequestContext& context,
                                             GlueChange change) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  std::optional<std::string> host_text;
  std::optional<std::string> address;
  if (change != GlueChange::remove) {
    auto document = json_body(context);
    if (!document) co_return error_response(context.request_id, document.error());
    core::json::ObjectReader body(*document);
    if (change == GlueChange::create) {
      host_text = body.string("host", {.required = true, .min_length = 1, .max_length = 253});
    }
    address = read_address(body);
    if (auto error = body.finish()) co_return error_response(context.request_id, *error);
  }
  if (!host_text) host_text = std::string(context.param("host"));

  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto loaded = co_await load_domain(services, context);
  if (!loaded) co_return error_response(context.request_id, loaded.error());
  store::DomainRecord domain = std::move(*loaded);
  if (auto held = require_held(domain); !held) {
    co_return error_response(context.request_id, held.error());
  }
  auto host = glue_host(*host_text, domain.domain.name, "host");
  if (!host) co_return error_response(context.request_id, host.error());
  auto registrar = registrar_of(services, domain, core::Operation::domain_glue);
  if (!registrar) co_return error_response(context.request_id, registrar.error());

  auto existing = std::find_if(domain.glue.begin(), domain.glue.end(),
                               [&](const core::GlueRecord& glue) { return glue.host == *host; });
  if (change == GlueChange::create && existing != domain.glue.end()) {
    co_return error_response(
        context.request_id, Error::conflict("glue_record_exists",
                                            "This glue record exists; update it instead.", "host"));
  }
  if (change != GlueChange::create && existing == domain.glue.end()) {
    co_return error_response(context.request_id,
                             Error::not_found("Glue record not found.", "host"));
  }

  core::GlueRecord result{*host, address.value_or("")};
  core::Status done = core::Ok{};
  const char* event_type = "glue_record.created";
  switch (change) {
    case GlueChange::create:
      done = co_await (*registrar)->create_glue(domain.domain.name, result);
      if (done) domain.glue.push_back(result);
      break;
    case GlueChange::update:
      event_type = "glue_record.updated";
      done = co_await (*registrar)->update_glue(domain.domain.name, *existing, result);
      if (done) existing->address = result.address;
      break;
    case GlueChange::remove:
      event_type = "glue_record.deleted";
      result = *existing;
      done = co_await (*registrar)->delete_glue(domain.domain.name, *host);
      if (done) domain.glue.erase(existing);
      break;
  }
  if (!done) co_return error_response(context.request_id, done.error());

  const auto write_fields = [&](core::json::Writer& out) {
    write_glue(out, domain, result);
    if (change == GlueChange::remove) core::json::write(out, "deleted", true);
  };
  std::vector<store::EventRecord> events;
  events.push_back(
      make_event(services, event_type, domain, domain.id, write_fields, context.request_id));
  auto saved = co_await save_domain(services, domain, std::move(events));
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return data_response(context.request_id, change == GlueChange::create ? 201 : 200,
                          write_fields);
}

}  // namespace

void add_glue_record_routes(Router& router, Services& services) {
  add_partner_route(router, services, "GET", "/api/v1/domains/{id}/glue_records", list_glue);
  add_partner_route(
      router, services, "POST", "/api/v1/domains/{id}/glue_records",
      [](Services& s, RequestContext& c) { return change_glue(s, c, GlueChange::create); });
  add_partner_route(
      router, services, "PATCH", "/api/v1/domains/{id}/glue_records/{host}",
      [](Services& s, RequestContext& c) { return change_glue(s, c, GlueChange::update); });
  add_partner_route(
      router, services, "DELETE", "/api/v1/domains/{id}/glue_records/{host}",
      [](Services& s, RequestContext& c) { return change_glue(s, c, GlueChange::remove); });
}

}  // namespace portico::api
