#pragma once

#include "portico/api/router.hpp"
#include "portico/api/services.hpp"
#include "portico/jobs/domain_sync.hpp"

namespace portico::admin {

// The admin listener's routes, all behind the admin token: health, metrics, partners, keys,
// and running jobs on demand.
api::Router admin_router(api::Services& services, jobs::DomainSync& domain_sync);

}  // namespace portico::admin
