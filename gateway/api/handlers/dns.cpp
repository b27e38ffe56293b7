// DNS records of a domain's zone. The zone lives at the supplier; the gateway keeps only a
// stable id per record (bound to the record's content), so a record keeps its id across
// updates even with suppliers that have no record ids. Concurrent changes to one zone are
// serialized by the adapter, and a record changed elsewhere in between is a 409.
#include "portico/api/domains.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/core/dns_record.hpp"
#include "portico/core/ids.hpp"
#include "portico/core/names.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::Error;

namespace {

struct IdentifiedRecord {
  std::string id;
  core::DnsRecord record;
};

void write_record(core::json::Writer& out, const store::DomainRecord& domain,
                  const IdentifiedRecord& item) {
  const core::DnsRecord& record = item.record;
  core::json::write(out, "object", "dns_record");
  core::json::write(out, "id", item.id);
  core::json::write(out, "domain_id", domain.id);
  core::json::write(out, "type", core::name_of(record.type));
  core::json::write(out, "name", record.name);
  core::json::write(out, "value", record.value);
  core::json::write(out, "ttl", record.ttl);
  const auto optional = [&out](const char* key, const std::optional<std::int64_t>& value) {
    if (value) core::json::write(out, key, *value);
  };
  optional("priority", record.priority);
  optional("weight", record.weight);
  optional("port", record.port);
  optional("flags", record.flags);
  if (record.type == core::DnsRecordType::caa) core::json::write(out, "tag", record.tag);
}

// Supplier records are fingerprinted in normalized form, like the partner's input, so the
// same record compares equal however the supplier spells it.
std::string fingerprint(const core::DnsRecord& record, const std::string& zone) {
  auto normalized = core::normalize_dns_record(record, zone, "record");
  return core::dns_record_fingerprint(normalized ? *normalized : record);
}

// The record fields of a body. On create every required field must be there; on update the
// body's fields replace those of `base`.
core::Result<core::DnsRecord> read_record(const rapidjson::Value& document,
                                          const core::DnsRecord* base, const std::string& zone) {
  core::json::ObjectReader body(document);
  core::DnsRecord record = base != nullptr ? *base : core::DnsRecord{};
  const bool creating = base == nullptr;
  auto type = body.string("type", {.required = creating, .min_length = 1, .max_length = 8});
  auto name = body.string("name", {.required = creating, .min_length = 1, .max_length = 253});
  auto value = body.string("value", {.required = creating, .min_length = 1, .max_length = 4096});
  auto ttl = body.integer("ttl");
  constexpr core::json::IntRule kAny{};
  auto priority = body.integer("priority", kAny);
  auto weight = body.integer("weight", kAny);
  auto port = body.integer("port", kAny);
  auto flags = body.integer("flags", kAny);
  auto tag = body.string("tag", {.max_length = 32});
  if (type) {
    auto parsed = core::parse_dns_record_type(*type);
    if (!parsed) {
      body.fail(Error::invalid_request(
          "invalid_dns_record_type", "'type' must be one of A, AAAA, CNAME, MX, TXT, NS, SRV, CAA.",
          "type"));
    } else if (!creating && *parsed != record.type) {
      body.fail(Error::invalid_request("dns_record_type_immutable",
                                       "A record's type cannot change; delete it and create "
                                       "another.",
                                       "type"));
    } else {
      record.type = *parsed;
    }
  }
  if (auto error = body.finish()) return *error;
  if (name) record.name = *name;
  if (value) record.value = *value;
  if (ttl) record.ttl = *ttl;
  if (priority) record.priority = priority;
  if (weight) record.weight = weight;
  if (port) record.port = port;
  if (flags) record.flags = flags;
  if (tag) record.tag = *tag;
  return core::normalize_dns_record(std::move(record), zone, "");
}

// The ids of the records with these fingerprints, empty for those not seen before: from the
// cache when it knows them all (the usual case), else read (and cached).
net::awaitable<core::Result<std::vector<std::string>>> known_ids(
    const Services& services, const std::string& domain_id,
    const std::vector<std::string>& fingerprints) {
  const std::uint64_t version = services.store.dns_record_writes().value();
  const core::TimePoint now = services.clock.now();
  if (auto cached = services.dns_record_ids.find(domain_id, version, now)) {
    std::vector<std::string> ids;
    for (const std::string& print : fingerprints) {
      const auto found = cached->find(print);
      if (found == cached->end()) break;
      ids.push_back(found->second);
    }
    if (ids.size() == fingerprints.size()) co_return ids;
  }
  auto known = [&](store::Database& db) -> core::Result<std::vector<std::string>> {
    return store::dns_records::known_ids(db, domain_id, fingerprints);
  };
  auto ids = co_await services.store.read_point<std::vector<std::string>>(known);
  if (!ids) co_return ids.error();
  auto by_print = std::make_shared<DnsRecordIds>();
  for (std::size_t i = 0; i < ids->size(); ++i) {
    if (!(*ids)[i].empty()) by_print->emplace(fingerprints[i], (*ids)[i]);
  }
  services.dns_record_ids.remember(domain_id, std::move(by_print), version, now);
  co_return ids;
}

// The zone as the supplier has it now, each record with its id (new ids are recorded).
net::awaitable<core::Result<std::vector<IdentifiedRecord>>> read_zone(
    const Services& services, const store::DomainRecord& domain, core::DnsHost& host) {
  auto records = co_await host.list(domain.domain.name);
  if (!records) co_return records.error();
  std::vector<std::string> fingerprints;
  for (const auto& record : *records)
    fingerprints.push_back(fingerprint(record, domain.domain.name));
  auto ids = co_await known_ids(services, domain.id, fingerprints);
  if (!ids) co_return ids.error();
  if (std::find(ids->begin(), ids->end(), std::string()) != ids->end()) {
    ids = co_await services.store.write<std::vector<std::string>>(
        [&](store::Database& db) -> core::Result<std::vector<std::string>> {
          return store::dns_records::ids_for(
              db, domain.id, fingerprints,
              [&] { return core::make_id(core::id_prefix::kDnsRecord, services.random); },
              services.clock.now());
        });
    if (!ids) co_return ids.error();
  }
  std::vector<IdentifiedRecord> zone;
  for (std::size_t i = 0; i < records->size(); ++i)
    zone.push_back({(*ids)[i], std::move((*records)[i])});
  co_return zone;
}

// The domain and its DNS host, for a handler about to do `operation`.
struct ZoneAccess {
  store::DomainRecord domain;
  core::DnsHost* host = nullptr;
};
net::awaitable<core::Result<ZoneAccess>> open_zone(const Services& services,
                                                   const RequestContext& context,
                                                   core::Operation operation) {
  auto domain = co_await load_domain(services, context);
  if (!domain) co_return domain.error();
  if (auto held = require_held(*domain); !held) co_return held.error();
  auto host = dns_host_of(services, *domain, operation);
  if (!host) co_return host.error();
  co_return ZoneAccess{std::move(*domain), *host};
}

// The record named by {record} in the zone as it is now.
net::awaitable<core::Result<IdentifiedRecord>> find_record(const Services& services,
                                                           const RequestContext& context,
                                                           const ZoneAccess& zone) {
  const std::string id(context.param("record"));
  const Error missing = Error::not_found("DNS record not found.", "record");
  if (!core::is_id(id, core::id_prefix::kDnsRecord)) co_return missing;
  auto records = co_await read_zone(services, zone.domain, *zone.host);
  if (!records) co_return records.error();
  for (auto& item : *records) {
    if (item.id == id) co_return std::move(item);
  }
  // Known to us but gone from the zone: changed or removed at the supplier.
  co_return missing;
}

net::awaitable<server::Response> list_records(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto zone = co_await open_zone(services, context, core::Operation::dns_list);
  if (!zone) co_return error_response(context.request_id, zone.error());
  auto records = co_await read_zone(services, zone->domain, *zone->host);
  if (!records) co_return error_response(context.request_id, records.error());
  const store::DomainRecord& domain = zone->domain;
  co_return list_response(
      context.request_id, *records,
      [&domain](core::json::Writer& out, const IdentifiedRecord& item) {
        write_record(out, domain, item);
      },
      static_cast<std::int64_t>(records->size()), false);
}

// A create whose answer was lost: the zone as it is now tells whether it was saved (a record
// is its content). Not there, the call's own failure stands; a retry then creates it, or meets
// it with 409 if the supplier saved it after all.
net::awaitable<core::Result<core::DnsRecord>> find_in_zone(core::DnsHost& host,
                                                           const std::string& zone,
                                                           const core::DnsRecord& wanted,
                                                           const Error& failure) {
  auto records = co_await host.list(zone);
  if (!records) co_return failure;
  const std::string print = fingerprint(wanted, zone);
  for (auto& record : *records) {
    if (fingerprint(record, zone) == print) co_return std::move(record);
  }
  co_return failure;
}

net::awaitable<server::Response> create_record(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  auto zone = co_await open_zone(services, context, core::Operation::dns_create);
  if (!zone) co_return error_response(context.request_id, zone.error());
  const store::DomainRecord& domain = zone->domain;
  auto record = read_record(*document, nullptr, domain.domain.name);
  if (!record) co_return error_response(context.request_id, record.error());
  if (!zone->host->capabilities().record_types.contains(record->type)) {
    co_return error_response(
        context.request_id,
        Error::unprocessable("dns_record_type_unsupported",
                             "The DNS host of this domain does not serve " +
                                 std::string(core::name_of(record->type)) + " records.",
                             "type"));
  }
  auto created = co_await zone->host->create(domain.domain.name, *record);
  if (!created && created.error().outcome_unknown) {
    created = co_await find_in_zone(*zone->host, domain.domain.name, *record, created.error());
  }
  if (!created) co_return error_response(context.request_id, created.error());

  IdentifiedRecord item{core::make_id(core::id_prefix::kDnsRecord, services.random),
                        std::move(*created)};
  const std::string print = fingerprint(item.record, domain.domain.name);
  const auto write_fields = [&](core::json::Writer& out) { write_record(out, domain, item); };
  store::EventRecord event =
      make_event(services, "dns_record.created", domain, item.id, write_fields, context.request_id);
  auto saved = co_await services.store.write<std::string>(
      [&](store::Database& db) -> core::Result<std::string> {
        // Bound to an existing id when this content was seen before (then that id stays).
        auto ids = store::dns_records::ids_for(
            db, domain.id, {print}, [&item] { return item.id; }, services.clock.now());
        event.object_id = ids.front();
        store::events::append(db, event);
        return ids.front();
      });
  if (!saved) co_return error_response(context.request_id, saved.error());
  item.id = *saved;
  co_return data_response(context.request_id, 201, write_fields);
}

net::awaitable<server::Response> update_record(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  auto zone = co_await open_zone(services, context, core::Operation::dns_update);
  if (!zone) co_return error_response(context.request_id, zone.error());
  const store::DomainRecord& domain = zone->domain;
  auto current = co_await find_record(services, context, *zone);
  if (!current) co_return error_response(context.request_id, current.error());
  auto wanted = read_record(*document, &current->record, domain.domain.name);
  if (!wanted) co_return error_response(context.request_id, wanted.error());

  auto updated = co_await zone->host->update(domain.domain.name, current->record, *wanted);
  if (!updated) co_return error_response(context.request_id, updated.error());
  const IdentifiedRecord before = *current;
  IdentifiedRecord item{current->id, std::move(*updated)};
  const std::string print = fingerprint(item.record, domain.domain.name);
  const auto write_fields = [&](core::json::Writer& out) { write_record(out, domain, item); };
  store::EventRecord event =
      make_event(services, "dns_record.updated", domain, item.id, write_fields, context.request_id,
                 [&](core::json::Writer& out) {
                   core::json::write(out, "name", before.record.name);
                   core::json::write(out, "value", before.record.value);
                   core::json::write(out, "ttl", before.record.ttl);
                 });
  auto saved = co_await services.store.write<core::Ok>([&](store::Database& db) -> core::Status {
    store::dns_records::rebind(db, domain.id, item.id, print);
    store::events::append(db, event);
    return core::Ok{};
  });
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return data_response(context.request_id, 200, write_fields);
}

net::awaitable<server::Response> delete_record(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto zone = co_await open_zone(services, context, core::Operation::dns_delete);
  if (!zone) co_return error_response(context.request_id, zone.error());
  const store::DomainRecord& domain = zone->domain;
  auto current = co_await find_record(services, context, *zone);
  if (!current) co_return error_response(context.request_id, current.error());
  auto removed = co_await zone->host->remove(domain.domain.name, current->record);
  if (!removed) co_return error_response(context.request_id, removed.error());

  const auto write_fields = [&](core::json::Writer& out) { write_record(out, domain, *current); };
  store::EventRecord event = make_event(services, "dns_record.deleted", domain, current->id,
                                        write_fields, context.request_id);
  auto saved = co_await services.store.write<core::Ok>([&](store::Database& db) -> core::Status {
    store::dns_records::remove(db, domain.id, current->id);
    store::events::append(db, event);
    return core::Ok{};
  });
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return data_response(context.request_id, 200, [&](core::json::Writer& out) {
    write_fields(out);
    core::json::write(out, "deleted", true);
  });
}

}  // namespace

void add_dns_routes(Router& router, Services& services) {
  const auto add = [&](const char* method, const char* pattern, ServiceHandler handler) {
    add_partner_route(router, services, method, pattern, handler);
  };
  add("GET", "/api/v1/domains/{id}/dns", list_records);
  add("POST", "/api/v1/domains/{id}/dns", create_record);
  add("PATCH", "/api/v1/domains/{id}/dns/{record}", update_record);
  add("DELETE", "/api/v1/domains/{id}/dns/{record}", delete_record);
}

}  // namespace portico::api
