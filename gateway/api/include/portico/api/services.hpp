#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/thread_pool.hpp>

#include "portico/adapters/keyed_mutex.hpp"
#include "portico/adapters/registry.hpp"
#include "portico/api/context.hpp"
#include "portico/api/versioned_cache.hpp"
#include "portico/config/config.hpp"
#include "portico/core/clock.hpp"
#include "portico/core/random.hpp"
#include "portico/server/logger.hpp"
#include "portico/server/metrics.hpp"
#include "portico/store/domains.hpp"
#include "portico/store/store.hpp"

namespace portico::api {

class UsageCounter;  // billing.hpp

using Providers = adapters::Instances;

// Valid API keys by key hash, each read under Store::key_revocations.
using KeyCache = VersionedCache<Principal>;
// Domains by id, each read under Store::object_writes.
using DomainCache = VersionedCache<store::DomainRecord>;
// The ids of a zone's known records by fingerprint, by domain id, read under
// Store::dns_record_writes.
using DnsRecordIds = std::unordered_map<std::string, std::string>;
using DnsRecordIdCache = VersionedCache<DnsRecordIds>;

// What handlers may use; built once by the App, nothing global.
struct Services {
  const config::Config& config;
  store::Store& store;
  const core::Clock& clock;
  core::Random& random;
  server::Metrics& metrics;
  server::Logger& log;
  Providers& providers;
  // Serializes read-modify-writes of one object (a domain's supplier-side sets, a
  // certificate order's steps), keyed by the object's id.
  adapters::KeyedMutex& domain_locks;
  // 32 bytes sealing private keys at rest (AES-256-GCM).
  const core::Secret& sealing_key;
  // API calls per key and day, written to the store by the usage flush job.
  UsageCounter& usage;
  // For CPU-heavy work off the network threads (run_on_cpu_pool): generating private keys.
  boost::asio::thread_pool& cpu_pool;
  // Rows recently read, each kept while nothing counted a change (see VersionedCache).
  KeyCache& key_cache;
  DomainCache& domain_cache;
  DnsRecordIdCache& dns_record_ids;
};

}  // namespace portico::api
