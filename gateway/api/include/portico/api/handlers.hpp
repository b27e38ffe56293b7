#pragma once

#include <boost/asio/awaitable.hpp>

#include "portico/api/router.hpp"
#include "portico/api/services.hpp"

// One function per resource file under handlers/, each adding its routes.
namespace portico::api {

void add_me_routes(Router& router, Services& services);
void add_customer_routes(Router& router, Services& services);
void add_domain_routes(Router& router, Services& services);
void add_dns_routes(Router& router, Services& services);
void add_email_forward_routes(Router& router, Services& services);
void add_glue_record_routes(Router& router, Services& services);
void add_capability_routes(Router& router, Services& services);
void add_certificate_routes(Router& router, Services& services);
void add_hosting_routes(Router& router, Services& services);
void add_order_routes(Router& router, Services& services);
void add_invoice_routes(Router& router, Services& services);
void add_usage_routes(Router& router, Services& services);
void add_event_routes(Router& router, Services& services);
void add_webhook_routes(Router& router, Services& services);
// The OpenAPI document and the /docs reference page built from it; no key needed.
void add_docs_routes(Router& router);

// Adds a partner route served by `handler(services, context)`.
using ServiceHandler = boost::asio::awaitable<server::Response> (*)(Services&, RequestContext&);
void add_partner_route(Router& router, Services& services, const char* method, const char* pattern,
                       ServiceHandler handler);

// The public API's router: every resource of /api/v1.
Router public_router(Services& services);

}  // namespace portico::api
