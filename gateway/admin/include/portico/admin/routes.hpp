#pragma once

#include "portico/api/router.hpp"
#include "portico/api/services.hpp"
#include "portico/events/dispatcher.hpp"
#include "portico/jobs/balance_check.hpp"
#include "portico/jobs/certificate_sync.hpp"
#include "portico/jobs/domain_sync.hpp"
#include "portico/jobs/reconciler.hpp"

namespace portico::admin {

// The jobs an operator (or a test) can run on demand.
struct Jobs {
  jobs::DomainSync& domain_sync;
  jobs::CertificateSync& certificate_sync;
  jobs::BalanceCheck& balance_check;
  events::Dispatcher& webhook_dispatch;
  jobs::Reconciler& reconciler;
};

// The admin listener's routes, all behind the admin token: health, metrics, partners, keys,
// and running jobs on demand.
api::Router admin_router(api::Services& services, Jobs jobs);

// Supplier intents (GET /admin/intents, POST /admin/intents/{id}/resolve) and the audit trail
// of supplier calls (GET /admin/audit?request_id=), in supplier_routes.cpp.
void add_supplier_routes(api::Router& router, api::Services& services);

}  // namespace portico::admin
