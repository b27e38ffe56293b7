// The public API's routes: one add_*_routes call per resource file under handlers/.
#include "portico/api/handlers.hpp"

namespace portico::api {

void add_partner_route(Router& router, Services& services, const char* method, const char* pattern,
                       ServiceHandler handler) {
  router.add({method, pattern, Access::partner, [&services, handler](RequestContext& context) {
                return handler(services, context);
              }});
}

Router public_router(Services& services) {
  Router router;
  add_me_routes(router, services);
  add_customer_routes(router, services);
  add_domain_routes(router, services);
  add_dns_routes(router, services);
  add_email_forward_routes(router, services);
  add_glue_record_routes(router, services);
  add_capability_routes(router, services);
  add_certificate_routes(router, services);
  add_hosting_routes(router, services);
  add_order_routes(router, services);
  add_invoice_routes(router, services);
  add_usage_routes(router, services);
  add_event_routes(router, services);
  add_webhook_routes(router, services);
  add_docs_routes(router);
  return router;
}

}  // namespace portico::api
