#pragma once

#include "portico/api/router.hpp"
#include "portico/api/services.hpp"
#include "portico/jobs/certificate_sync.hpp"
#include "portico/jobs/domain_sync.hpp"

namespace portico::admin {

// The admin listener's routes, all behind the admin token: health, metrics, partners, keys,
// and running jobs on demand.
api::Router admin_router(api::Services& services, jobs::DomainSync& domain_sync,
                         jobs::CertificateSync& certificate_sync);

}  // namespace portico::admin
