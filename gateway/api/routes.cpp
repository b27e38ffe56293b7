// The public API's routes: one add_*_routes call per resource file under handlers/.
#include "portico/api/handlers.hpp"

namespace portico::api {

Router public_router(Services& services) {
  Router router;
  add_me_routes(router, services);
  add_customer_routes(router, services);
  return router;
}

}  // namespace portico::api
