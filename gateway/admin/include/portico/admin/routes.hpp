#pragma once

#include "portico/api/router.hpp"
#include "portico/api/services.hpp"

namespace portico::admin {

// The admin listener's routes, all behind the admin token: health, metrics, partners, keys.
api::Router admin_router(api::Services& services);

}  // namespace portico::admin
