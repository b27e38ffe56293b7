// E-mail forwards of a domain (prefix@domain → an outside address). Suppliers store the whole
// set in one call, so adding or removing one is a read-modify-write done under the domain's
// lock: two changes through this gateway never overwrite each other.
#include <algorithm>

#include "portico/api/domains.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/core/contact.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;

namespace {

void write_forward(core::json::Writer& out, const store::DomainRecord& domain,
                   const core::EmailForward& forward) {
  core::json::write(out, "object", "email_forward");
  core::json::write(out, "domain_id", domain.id);
  core::json::write(out, "prefix", forward.prefix);
  core::json::write(out, "address", forward.prefix + "@" + domain.domain.name);
  core::json::write(out, "forward_to", forward.forward_to);
}

// A mailbox name: letters, digits and . _ + -, or "*" for every address (catch-all).
bool valid_prefix(std::string_view prefix) {
  if (prefix == "*") return true;
  if (prefix.empty() || prefix.size() > 64 || prefix.front() == '.' || prefix.back() == '.') {
    return false;
  }
  return std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ||
           c == '-';
  });
}

net::awaitable<server::Response> list_forwards(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto forwarding =
      co_await open_domain(services, context, core::Operation::domain_email_forwarding);
  if (!forwarding) co_return error_response(context.request_id, forwarding.error());
  auto forwards = co_await forwarding->registrar->email_forwards(forwarding->domain.domain.name);
  if (!forwards) co_return error_response(context.request_id, forwards.error());
  const store::DomainRecord& domain = forwarding->domain;
  co_return list_response(
      context.request_id, *forwards,
      [&domain](core::json::Writer& out, const core::EmailForward& forward) {
        write_forward(out, domain, forward);
      },
      static_cast<std::int64_t>(forwards->size()), false);
}

// Applies `change` to the current set and saves it, under the domain's lock.
using ForwardsChange = std::function<core::Status(std::vector<core::EmailForward>&)>;
net::awaitable<core::Status> change_forwards(Services& services, const DomainAccess& forwarding,
                                             const ForwardsChange& change) {
  const std::string& name = forwarding.domain.domain.name;
  auto guard = co_await services.domain_locks.lock("forwards:" + forwarding.domain.id);
  auto forwards = co_await forwarding.registrar->email_forwards(name);
  if (!forwards) co_return forwards.error();
  if (auto status = change(*forwards); !status) co_return status;
  co_return co_await forwarding.registrar->set_email_forwards(name, *forwards);
}

net::awaitable<server::Response> create_forward(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  core::json::ObjectReader body(*document);
  auto prefix = body.string("prefix", {.required = true, .min_length = 1, .max_length = 64});
  auto forward_to =
      body.string("forward_to", {.required = true, .min_length = 3, .max_length = 254});
  if (prefix) {
    std::transform(prefix->begin(), prefix->end(), prefix->begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!valid_prefix(*prefix)) {
      body.fail(Error::invalid_request(
          "invalid_prefix",
          "'prefix' must be a mailbox name (letters, digits, '.', '_', '+', '-') or '*'.",
          "prefix"));
    }
  }
  if (forward_to && !core::plausible_email(*forward_to)) {
    body.fail(Error::invalid_request("invalid_email", "'forward_to' is not an e-mail address.",
                                     "forward_to"));
  }
  if (auto error = body.finish()) co_return error_response(context.request_id, *error);

  auto forwarding =
      co_await open_domain(services, context, core::Operation::domain_email_forwarding);
  if (!forwarding) co_return error_response(context.request_id, forwarding.error());
  const core::EmailForward forward{*prefix, *forward_to};
  auto changed = co_await change_forwards(
      services, *forwarding, [&forward](std::vector<core::EmailForward>& forwards) -> core::Status {
        for (const auto& existing : forwards) {
          if (existing.prefix == forward.prefix) {
            return Error::conflict("email_forward_exists",
                                   "A forward for this prefix exists; delete it first.", "prefix");
          }
        }
        forwards.push_back(forward);
        return core::Ok{};
      });
  if (!changed) co_return error_response(context.request_id, changed.error());

  const store::DomainRecord& domain = forwarding->domain;
  const auto write_fields = [&](core::json::Writer& out) { write_forward(out, domain, forward); };
  store::EventRecord event = make_event(services, "email_forward.created", domain, domain.id,
                                        write_fields, context.request_id);
  auto saved =
      co_await services.store.write<core::Ok>([&event](store::Database& db) -> core::Status {
        store::events::append(db, event);
        return core::Ok{};
      });
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return data_response(context.request_id, 201, write_fields);
}

net::awaitable<server::Response> delete_forward(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto forwarding =
      co_await open_domain(services, context, core::Operation::domain_email_forwarding);
  if (!forwarding) co_return error_response(context.request_id, forwarding.error());
  std::string prefix(context.param("prefix"));
  std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  core::EmailForward removed;
  auto changed = co_await change_forwards(
      services, *forwarding,
      [&prefix, &removed](std::vector<core::EmailForward>& forwards) -> core::Status {
        const auto found = std::find_if(forwards.begin(), forwards.end(),
                                        [&](const auto& item) { return item.prefix == prefix; });
        if (found == forwards.end()) return Error::not_found("E-mail forward not found.", "prefix");
        removed = *found;
        forwards.erase(found);
        return core::Ok{};
      });
  if (!changed) co_return error_response(context.request_id, changed.error());

  const store::DomainRecord& domain = forwarding->domain;
  const auto write_fields = [&](core::json::Writer& out) {
    write_forward(out, domain, removed);
    core::json::write(out, "deleted", true);
  };
  store::EventRecord event = make_event(services, "email_forward.deleted", domain, domain.id,
                                        write_fields, context.request_id);
  auto saved =
      co_await services.store.write<core::Ok>([&event](store::Database& db) -> core::Status {
        store::events::append(db, event);
        return core::Ok{};
      });
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return data_response(context.request_id, 200, write_fields);
}

}  // namespace

void add_email_forward_routes(Router& router, Services& services) {
  add_partner_route(router, services, "GET", "/api/v1/domains/{id}/email_forwards", list_forwards);
  add_partner_route(router, services, "POST", "/api/v1/domains/{id}/email_forwards",
                    create_forward);
  add_partner_route(router, services, "DELETE", "/api/v1/domains/{id}/email_forwards/{prefix}",
                    delete_forward);
}

}  // namespace portico::api
