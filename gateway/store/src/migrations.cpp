#include "portico/store/store.hpp"

namespace portico::store {

namespace {

// Times are unix milliseconds. Foreign keys are enforced (PRAGMA foreign_keys=ON on every
// connection). `seq` columns give a stable newest-first order for pagination.
constexpr std::string_view kInitial = R"sql(
CREATE TABLE partners(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE api_keys(
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  prefix TEXT NOT NULL,
  hash BLOB NOT NULL UNIQUE,
  livemode INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_keys_partner ON api_keys(partner_id);

CREATE TABLE customers(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  livemode INTEGER NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  country TEXT,
  external_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX customers_external_id ON customers(partner_id, livemode, external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX customers_partner_seq ON customers(partner_id, livemode, seq);

CREATE TABLE objects(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  livemode INTEGER NOT NULL,
  customer_id TEXT REFERENCES customers(id),
  provider_instance TEXT NOT NULL,
  supplier_ref TEXT,
  state TEXT NOT NULL,
  data TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX objects_partner_kind_seq ON objects(partner_id, livemode, kind, seq);
CREATE UNIQUE INDEX objects_supplier_ref ON objects(provider_instance, kind, supplier_ref)
  WHERE supplier_ref IS NOT NULL;
CREATE INDEX objects_customer ON objects(customer_id);

CREATE TABLE idempotency_keys(
  partner_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL,
  response_status INTEGER,
  response_body TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (partner_id, livemode, key)
);

CREATE TABLE events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  partner_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  type TEXT NOT NULL,
  object_id TEXT,
  data TEXT NOT NULL,
  request_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX events_partner_seq ON events(partner_id, livemode, seq);

CREATE TABLE audit_log(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  request_id TEXT,
  partner_id TEXT,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_request ON audit_log(request_id);
)sql";

// Domains: a display name per object (filters and lookups), when the supplier was last read,
// and stable ids for DNS records of suppliers that have none.
constexpr std::string_view kDomains = R"sql(
ALTER TABLE objects ADD COLUMN name TEXT;
ALTER TABLE objects ADD COLUMN synced_at INTEGER;
CREATE INDEX objects_partner_kind_name ON objects(partner_id, livemode, kind, name);
CREATE INDEX objects_kind_synced ON objects(kind, synced_at) WHERE supplier_ref IS NOT NULL;

CREATE TABLE dns_records(
  id TEXT PRIMARY KEY,
  domain_id TEXT NOT NULL REFERENCES objects(id),
  fingerprint TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (domain_id, fingerprint)
);
)sql";

// Certificates: when the job next looks at an object (orders in progress, issued certificates
// nearing expiry), and private keys sealed apart from the object's data so that no JSON
// writer can ever include one by accident. A reissue adds a generation; old ones stay until
// the certificate they belong to is gone.
constexpr std::string_view kCertificates = R"sql(
ALTER TABLE objects ADD COLUMN next_check_at INTEGER;
CREATE INDEX objects_kind_next_check ON objects(kind, next_check_at)
  WHERE next_check_at IS NOT NULL;

CREATE TABLE private_keys(
  object_id TEXT NOT NULL REFERENCES objects(id),
  generation INTEGER NOT NULL,
  sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (object_id, generation)
);
)sql";

// Billing: one order per billable action, written in the transaction of the object it bills,
// and invoices summing them per partner, mode, customer, UTC month and currency (a row per
// group, its total kept exact in minor units as orders arrive). customer_key is the customer
// id or '' for orders without one: NULLs never collide in a UNIQUE constraint. api_usage
// counts API calls per key and UTC day ("2026-11-22"); orders are counted from their table.
constexpr std::string_view kBilling = R"sql(
CREATE TABLE invoices(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  livemode INTEGER NOT NULL,
  customer_key TEXT NOT NULL,
  customer_id TEXT REFERENCES customers(id),
  period TEXT NOT NULL,
  currency TEXT NOT NULL,
  total INTEGER NOT NULL,
  order_count INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (partner_id, livemode, customer_key, period, currency)
);
CREATE INDEX invoices_partner_period ON invoices(partner_id, livemode, period, seq);

CREATE TABLE orders(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  livemode INTEGER NOT NULL,
  customer_id TEXT REFERENCES customers(id),
  key_id TEXT REFERENCES api_keys(id),
  action TEXT NOT NULL,
  product TEXT NOT NULL,
  object_id TEXT NOT NULL,
  description TEXT NOT NULL,
  provider_instance TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  unit_amount INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  currency TEXT NOT NULL,
  invoice_id TEXT NOT NULL REFERENCES invoices(id),
  request_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX orders_partner_seq ON orders(partner_id, livemode, seq);
CREATE INDEX orders_invoice ON orders(invoice_id, seq);
CREATE INDEX orders_object ON orders(object_id);
CREATE INDEX orders_partner_created ON orders(partner_id, livemode, created_at);

CREATE TABLE api_usage(
  key_id TEXT NOT NULL REFERENCES api_keys(id),
  day TEXT NOT NULL,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  livemode INTEGER NOT NULL,
  calls INTEGER NOT NULL,
  PRIMARY KEY (key_id, day)
);
CREATE INDEX api_usage_partner_day ON api_usage(partner_id, livemode, day);
)sql";

// Webhooks: endpoints (soft-deleted, so deliveries and events keep what they point at), the
// delivery outbox and every attempt. A delivery has next_attempt_at exactly while it is
// pending, so the partial indexes on it hold only the work there is: the next due delivery
// and an endpoint's due ones are O(log n) however many settled deliveries accumulate. Paused
// deliveries get a small partial index of their own for re-enabling. Events gain indexes for
// the events API's filters (type, object).
constexpr std::string_view kWebhooks = R"sql(
CREATE TABLE webhook_endpoints(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  livemode INTEGER NOT NULL,
  url TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  events TEXT NOT NULL,
  status TEXT NOT NULL,
  disabled_reason TEXT,
  sealed_secret BLOB NOT NULL,
  sealed_previous_secret BLOB,
  previous_secret_expires_at INTEGER,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_success_at INTEGER,
  last_failure_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER
);
CREATE INDEX webhook_endpoints_partner_seq ON webhook_endpoints(partner_id, livemode, seq)
  WHERE deleted_at IS NULL;
CREATE INDEX webhook_endpoints_enabled ON webhook_endpoints(id)
  WHERE status = 'enabled' AND deleted_at IS NULL;

CREATE TABLE webhook_deliveries(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
  event_id TEXT NOT NULL REFERENCES events(id),
  event_type TEXT NOT NULL,
  partner_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  claimed_at INTEGER,
  last_status_code INTEGER,
  last_error TEXT,
  last_attempt_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
  WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_endpoint_due ON webhook_deliveries(endpoint_id, next_attempt_at)
  WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_endpoint_seq ON webhook_deliveries(endpoint_id, seq);
CREATE INDEX webhook_deliveries_paused ON webhook_deliveries(endpoint_id)
  WHERE status = 'paused';
CREATE INDEX webhook_deliveries_claimed ON webhook_deliveries(claimed_at)
  WHERE claimed_at IS NOT NULL;

CREATE TABLE webhook_attempts(
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
  number INTEGER NOT NULL,
  at INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, number)
) WITHOUT ROWID;

CREATE INDEX events_partner_type ON events(partner_id, livemode, type, seq);
CREATE INDEX events_object ON events(object_id, seq);
)sql";

// Idempotency and supplier intents. The first table (migration 1) was never written to; it is
// replaced by one that also keeps the key's state, the intent it waits for and the response
// (sealed: a creation response may carry a secret shown once). An intent is written before a
// costly supplier call and settled in the transaction that records its outcome; the partial
// indexes hold only the unresolved ones, which are few.
constexpr std::string_view kIdempotency = R"sql(
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys(
  partner_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  request_id TEXT NOT NULL,
  state TEXT NOT NULL,
  intent_id TEXT,
  response_status INTEGER,
  response_headers TEXT,
  sealed_body BLOB,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (partner_id, livemode, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);

CREATE TABLE supplier_intents(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  livemode INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  idempotency_key TEXT,
  operation TEXT NOT NULL,
  provider_instance TEXT NOT NULL,
  lookup TEXT NOT NULL,
  object_id TEXT NOT NULL,
  state TEXT NOT NULL,
  sealed_request BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  next_check_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX supplier_intents_due ON supplier_intents(next_check_at)
  WHERE state IN ('open', 'unknown');
CREATE INDEX supplier_intents_lookup ON supplier_intents(lookup)
  WHERE state IN ('open', 'unknown');
CREATE INDEX supplier_intents_settled ON supplier_intents(updated_at)
  WHERE state IN ('done', 'failed');
)sql";

}  // namespace

const std::vector<Migration>& builtin_migrations() {
  static const std::vector<Migration> migrations = {
      {1, "initial", std::string(kInitial)},
      {2, "domains", std::string(kDomains)},
      {3, "certificates", std::string(kCertificates)},
      {4, "billing", std::string(kBilling)},
      {5, "webhooks", std::string(kWebhooks)},
      {6, "idempotency", std::string(kIdempotency)},
  };
  return migrations;
}

}  // namespace portico::store
