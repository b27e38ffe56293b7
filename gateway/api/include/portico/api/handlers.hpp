#pragma once

#include "portico/api/router.hpp"
#include "portico/api/services.hpp"

// One function per resource file under handlers/, each adding its routes.
namespace portico::api {

void add_me_routes(Router& router, Services& services);
void add_customer_routes(Router& router, Services& services);

// The public API's router: every resource of /api/v1.
Router public_router(Services& services);

}  // namespace portico::api
