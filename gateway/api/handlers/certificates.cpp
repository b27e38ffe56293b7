// Certificates: order, list and read, verify DCV now, renew, reissue, cancel or revoke, and
// the private key the gateway keeps. Everything a request can get wrong (names, CSR, route,
// capabilities) is refused before any supplier call; the supplier acts first and the gateway
// records the outcome with its events only when it succeeded.
#include "portico/api/certificates.hpp"

#include <algorithm>

#include "portico/api/cpu_pool.hpp"
#include "portico/api/domains.hpp"
#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/api/intents.hpp"
#include "portico/core/contact.hpp"
#include "portico/core/domain_name.hpp"
#include "portico/core/ids.hpp"
#include "portico/core/names.hpp"
#include "portico/core/pki.hpp"
#include "portico/core/text.hpp"

namespace portico::api {

namespace net = boost::asio;
using core::CertificateStatus;
using core::Error;

namespace {

constexpr std::size_t kMaxSanNames = 250;
constexpr std::size_t kMaxCsrBytes = std::size_t{16} * 1024;

server::Response certificate_response(const RequestContext& context, unsigned status,
                                      const store::CertificateRecord& record) {
  return data_response(context.request_id, status,
                       [&](core::json::Writer& out) { write_certificate(out, record); });
}

// A name on a certificate: a domain name, or "*." and one.
core::Result<std::string> certificate_name(std::string_view text, std::string param) {
  const bool wildcard = text.starts_with("*.");
  auto name = core::normalize_domain_name(wildcard ? text.substr(2) : text, std::move(param));
  if (!name) return name.error();
  return wildcard ? "*." + *name : *name;
}

std::optional<core::CertificateOrganization> read_organization(core::json::ObjectReader& body) {
  const rapidjson::Value* value = body.object("organization");
  if (value == nullptr) return std::nullopt;
  const std::string path = body.child_path("organization");
  core::json::ObjectReader fields(*value, path);
  constexpr core::json::StringRule kLine{.required = true, .min_length = 1, .max_length = 255};
  core::CertificateOrganization org;
  org.name = fields.string("name", kLine).value_or("");
  org.address1 = fields.string("address1", kLine).value_or("");
  org.address2 = fields.string("address2", {.max_length = 255}).value_or("");
  org.city = fields.string("city", kLine).value_or("");
  org.state = fields.string("state", kLine).value_or("");
  org.postcode = fields.string("postcode", {.max_length = 32}).value_or("");
  const auto country = fields.string("country", {.required = true, .max_length = 2});
  const auto phone = fields.string("phone", {.required = true, .max_length = 32});
  const rapidjson::Value* contact_value = fields.object("contact", true);
  std::optional<std::string> email;
  std::optional<std::string> contact_phone;
  if (contact_value != nullptr) {
    core::json::ObjectReader contact(*contact_value, fields.child_path("contact"));
    org.contact_first_name = contact.string("first_name", kLine).value_or("");
    org.contact_last_name = contact.string("last_name", kLine).value_or("");
    email = contact.string("email", kLine);
    contact_phone = contact.string("phone", {.required = true, .max_length = 32});
    org.contact_job_title = contact.string("job_title", kLine).value_or("");
    fields.adopt(contact.finish());
  }
  if (auto error = fields.finish()) {
    body.adopt(error);
    return std::nullopt;
  }
  // Normalized as domain contacts are: EPP phone numbers, ISO countries, plausible e-mail.
  auto normalized_country = core::normalize_country_code(*country, path + ".country");
  auto normalized_phone = core::normalize_phone(*phone, path + ".phone");
  auto normalized_email = core::normalize_email(*email, path + ".contact.email");
  auto normalized_contact_phone = core::normalize_phone(*contact_phone, path + ".contact.phone");
  for (const auto* result :
       {&normalized_country, &normalized_phone, &normalized_email, &normalized_contact_phone}) {
    if (!*result) {
      body.fail(result->error());
      return std::nullopt;
    }
  }
  org.country = *normalized_country;
  org.phone = *normalized_phone;
  org.contact_email = *normalized_email;
  org.contact_phone = *normalized_contact_phone;
  return org;
}

// The names, key and DCV method of an order, checked against each other.
struct OrderBody {
  std::optional<std::string> customer_id;
  core::CertificateRequest request;
};

core::Result<OrderBody> read_order(const rapidjson::Value& document) {
  core::json::ObjectReader body(document);
  OrderBody order;
  core::CertificateRequest& request = order.request;
  const auto common_name = body.string("common_name", {.required = true, .max_length = 253});
  const auto cert_type = body.string("cert_type", {.required = true, .max_length = 8});
  const auto wildcard = body.boolean("wildcard");
  const auto san_names = body.strings("san_names", false, kMaxSanNames, {.max_length = 253});
  order.customer_id = body.string("customer_id", {.max_length = 64});
  const auto dcv_method = body.string("dcv_method", {.max_length = 8});
  const auto csr = body.string("csr", {.max_length = kMaxCsrBytes});
  const auto validity = body.integer("validity_days", {.min = 1, .max = 3650});
  request.organization = read_organization(body);
  if (auto error = body.finish()) return *error;

  auto type = core::parse_certificate_type(*cert_type);
  if (!type) {
    return Error::invalid_request("invalid_cert_type", "'cert_type' must be dv, ov or ev.",
                                  "cert_type");
  }
  request.type = *type;
  auto name = certificate_name(*common_name, "common_name");
  if (!name) return name.error();
  if (wildcard.value_or(false) && !name->starts_with("*.")) *name = "*." + *name;
  if (wildcard && !*wildcard && name->starts_with("*.")) {
    return Error::invalid_request(
        "wildcard_mismatch", "'common_name' is a wildcard but 'wildcard' is false.", "wildcard");
  }
  request.common_name = std::move(*name);
  if (san_names) {
    for (std::size_t i = 0; i < san_names->size(); ++i) {
      const std::string param = "san_names[" + std::to_string(i) + "]";
      auto san = certificate_name((*san_names)[i], param);
      if (!san) return san.error();
      if (san->starts_with("*.") && !request.wildcard()) {
        return Error::invalid_request("wildcard_san",
                                      "A wildcard name needs a wildcard 'common_name'.", param);
      }
      // The common name is on every certificate; listing it again changes nothing.
      if (*san == request.common_name) continue;
      if (std::find(request.san_names.begin(), request.san_names.end(), *san) !=
          request.san_names.end()) {
        return Error::invalid_request("duplicate_name", "'" + *san + "' is listed twice.", param);
      }
      request.san_names.push_back(std::move(*san));
    }
  }
  if (request.type == core::CertificateType::ev && request.wildcard()) {
    // CA/Browser Forum EV Guidelines 9.8.1: no wildcard EV certificates exist.
    return Error::unprocessable("wildcard_not_allowed", "EV certificates cannot be wildcards.",
                                "wildcard");
  }
  if (request.organization && request.type == core::CertificateType::dv) {
    return Error::invalid_request("organization_not_allowed",
                                  "'organization' is only for ov and ev certificates.",
                                  "organization");
  }
  if (dcv_method) {
    auto method = core::parse_dcv_method(*dcv_method);
    if (!method) {
      return Error::invalid_request("invalid_dcv_method",
                                    "'dcv_method' must be http, dns or email.", "dcv_method");
    }
    request.dcv_method = *method;
  }
  if (request.wildcard() && request.dcv_method == core::DcvMethod::http) {
    return Error::unprocessable(
        "dcv_method_unsupported",
        "A wildcard is validated through DNS (or e-mail): a file proves one host only.",
        "dcv_method");
  }
  request.validity_days = static_cast<int>(validity.value_or(0));
  if (csr) request.csr = *csr;
  return order;
}

// A partner's CSR must ask for exactly the ordered names.
core::Status check_csr(const core::CertificateRequest& request) {
  if (request.csr.empty()) return core::Ok{};
  auto csr = core::pki::parse_csr(request.csr);
  if (!csr) return csr.error();
  auto matches = core::pki::check_csr_names(*csr, request.names());
  if (!matches) {
    // A well-formed CSR for other names is a request that cannot be served, not a bad one.
    core::Error error = std::move(matches).error();
    return core::Error::unprocessable(std::move(error.code), std::move(error.message),
                                      std::move(error.param));
  }
  return core::Ok{};
}

// The key and CSR when the partner sent none and the supplier takes a CSR: generated here and
// kept sealed.
struct GeneratedKey {
  std::optional<std::string> private_key_pem;
};

net::awaitable<core::Result<GeneratedKey>> prepare_key(Services& services,
                                                       core::CertificateRequest& request,
                                                       const core::Capabilities& capabilities) {
  if (!request.csr.empty() || !capabilities.accepts_csr) co_return GeneratedKey{};
  const std::vector<std::string> names = request.names();
  auto generate = [&names] {
    return core::pki::generate_key_and_csr(names, core::pki::KeyType::rsa2048);
  };
  auto made = co_await run_on_cpu_pool(services.cpu_pool, generate);
  if (!made) co_return made.error();
  request.csr = made->csr_pem;
  co_return GeneratedKey{std::move(made->private_key_pem)};
}

// What a new certificate order (or a renewal) is billed as: the first of its routing products
// that has a price (a wildcard without its own price is priced as its level), else the first.
BillableAction certificate_billing(const Services& services,
                                   const store::CertificateRecord& record) {
  const core::CertificateRequest& request = record.request;
  const std::vector<std::string> products = certificate_products(request);
  std::string product = products.front();
  for (const std::string& candidate : products) {
    if (services.config.pricing.certificate(candidate)) {
      product = candidate;
      break;
    }
  }
  std::string description = request.common_name + " " +
                            core::text::uppercase(core::name_of(request.type)) + " certificate";
  if (!request.san_names.empty()) {
    description += ", " + std::to_string(request.san_names.size() + 1) + " names";
  }
  const bool renewal = !record.renewal_of.empty();
  if (renewal) description += ", renewal";
  return {.action = renewal ? "ssl.renew" : "ssl.order",
          .product = std::move(product),
          .object_id = record.id,
          .customer_id = record.customer_id,
          .description = std::move(description),
          .provider_instance = record.provider_instance,
          .quantity = 1};
}

// What an order's intent keeps beside the request: the certificate it renews, and the key and
// CSR the gateway generated for it (which exist nowhere else until the order is recorded).
std::string order_detail(const std::string& renewal_of, const std::optional<std::string>& key,
                         const std::string& csr) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  core::json::write(out, "renewal_of", renewal_of);
  core::json::write(out, "private_key", key);
  core::json::write(out, "csr", key ? std::optional(csr) : std::nullopt);
  out.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

// Records an order the supplier accepted: the certificate with its first event, its key, the
// order that bills it, the certificate it renews marked as renewed, and the intent of the call
// settled, in one transaction. A failed view (a supplier that kept only part of a multi-name
// order) is recorded unbilled.
net::awaitable<core::Result<store::CertificateRecord>> record_new_certificate(
    Services& services, const RequestContext& context, OrderBody order,
    const adapters::ProviderInstance& instance, core::Certificate placed,
    const std::optional<std::string>& generated, bool partner_key, const std::string& renewal_of,
    const store::IntentRecord& intent) {
  const Principal& partner = context.partner();
  const core::TimePoint now = services.clock.now();
  store::CertificateRecord record{.id = intent.object_id,
                                  .partner_id = partner.partner_id,
                                  .livemode = partner.livemode,
                                  .customer_id = order.customer_id,
                                  .provider_instance = instance.config().name,
                                  .request = std::move(order.request),
                                  .certificate = {.supplier_ref = placed.supplier_ref,
                                                  .status = CertificateStatus::pending_validation},
                                  .key_source = partner_key ? store::KeySource::partner
                                                : generated ? store::KeySource::gateway
                                                            : store::KeySource::supplier,
                                  .renewal_of = renewal_of,
                                  .ordered_at = now,
                                  .created_at = now,
                                  .updated_at = now};
  std::optional<std::string> sealed;
  if (generated) sealed = seal_private_key(services, record.id, *generated);
  std::optional<std::string> supplier_key;
  // The first view always announces itself: DCV instructions, or the issued certificate.
  record.certificate.status = CertificateStatus::pending_issuance;
  auto events = apply_view(services, record, std::move(placed), context.request_id, supplier_key);
  if (!events) co_return events.error();
  if (supplier_key) sealed = std::move(supplier_key);
  // Named, of the parameter's type: only a plain move happens inside the co_await below.
  std::optional<NewOrder> billed;
  if (record.certificate.status != CertificateStatus::failed) {
    billed = make_order(services, context, certificate_billing(services, record));
  }
  co_return co_await save_certificate(services, std::move(record), std::move(*events),
                                      std::move(sealed), true, std::move(billed), &intent);
}

// Places the order at the route's instances (failing over only while one cannot be reached)
// and records it with its first event. Each instance asked gets an intent of its own, written
// before the call with the key generated for it.
net::awaitable<server::Response> place_order(Services& services, RequestContext& context,
                                             OrderBody order, const std::string& renewal_of) {
  const Principal& partner = context.partner();
  auto instances = route_certificate(services, order.request, partner.livemode);
  if (!instances) co_return error_response(context.request_id, instances.error());
  if (auto status = check_csr(order.request); !status) {
    co_return error_response(context.request_id, status.error());
  }
  if (auto status = co_await check_customer(services, partner, order.customer_id); !status) {
    co_return error_response(context.request_id, status.error());
  }
  const bool partner_key = !order.request.csr.empty();
  const std::string object_id = core::make_id(core::id_prefix::kCertificate, services.random);
  std::optional<std::string> generated;
  std::optional<store::IntentRecord> intent;
  adapters::ProviderInstance* used = nullptr;
  core::CertificateRequest& request = order.request;
  auto placed = co_await with_failover<core::Certificate>(
      *instances,
      [&](adapters::ProviderInstance& instance) -> core::Async<core::Certificate> {
        core::CertificateAuthority& authority = *instance.certificate_authority();
        if (!partner_key) {
          request.csr.clear();
          auto key = co_await prepare_key(services, request, authority.capabilities());
          if (!key) co_return key.error();
          generated = key->private_key_pem;
        }
        // The instance before this one certainly did nothing: its intent is over.
        if (intent) co_await abandon_intent(services, *intent);
        const IntentStart start{.operation = intent_operation_name::kCertificateOrder,
                                .provider_instance = instance.config().name,
                                .lookup = renewal_of.empty() ? request.common_name : renewal_of,
                                .object_id = object_id,
                                .detail_json = order_detail(renewal_of, generated, request.csr)};
        auto opened = co_await open_intent(services, context, start);
        if (!opened) co_return opened.error();
        intent = std::move(*opened);
        co_return co_await authority.order(request);
      },
      &used);
  if (!placed) {
    if (intent && placed.error().outcome_unknown) {
      co_return co_await answer_unknown_outcome(services, context, *intent, placed.error());
    }
    if (intent) co_await abandon_intent(services, *intent);
    co_return error_response(context.request_id, placed.error());
  }
  auto record = co_await record_new_certificate(services, context, std::move(order), *used,
                                                std::move(*placed), generated, partner_key,
                                                renewal_of, *intent);
  if (!record) {
    context.intent_unresolved = true;
    co_return error_response(context.request_id, record.error());
  }
  co_return certificate_response(context, 201, *record);
}

net::awaitable<server::Response> create_certificate(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  auto order = read_order(*document);
  if (!order) co_return error_response(context.request_id, order.error());
  const std::string not_a_renewal;
  co_return co_await place_order(services, context, std::move(*order), not_a_renewal);
}

net::awaitable<server::Response> list_certificates(Services& services, RequestContext& context) {
  auto query = list_query(context, {"customer_id", "status", "common_name"});
  if (!query) co_return error_response(context.request_id, query.error());
  store::CertificateFilter filter;
  if (auto found = context.query.find("customer_id"); found != context.query.end()) {
    filter.customer_id = found->second;
  }
  if (auto found = context.query.find("status"); found != context.query.end()) {
    filter.status = core::parse_certificate_status(found->second);
    if (!filter.status) {
      co_return error_response(
          context.request_id,
          Error::invalid_request("invalid_status",
                                 "'status' must be one of pending_validation, pending_issuance, "
                                 "issued, failed, canceled, revoked, expired.",
                                 "status"));
    }
  }
  if (auto found = context.query.find("common_name"); found != context.query.end()) {
    auto name = certificate_name(found->second, "common_name");
    if (!name) co_return error_response(context.request_id, name.error());
    filter.common_name = std::move(*name);
  }
  const Principal& partner = context.partner();
  using Page = store::Page<store::CertificateRecord>;
  auto page = co_await services.store.read<Page>(
      [&partner, &query, &filter](store::Database& db) -> core::Result<Page> {
        auto found = store::certificates::list(db, partner.partner_id, partner.livemode, filter,
                                               query->limit, query->starting_after);
        if (!found) {
          return Error::invalid_request("invalid_cursor",
                                        "'starting_after' does not name one of your certificates.",
                                        "starting_after");
        }
        return std::move(*found);
      });
  if (!page) co_return error_response(context.request_id, page.error());
  co_return list_response(context.request_id, page->items, write_certificate, page->total,
                          page->has_more);
}

net::awaitable<server::Response> get_certificate(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto record = co_await load_certificate(services, context);
  if (!record) co_return error_response(context.request_id, record.error());
  co_return certificate_response(context, 200, *record);
}

Error wrong_status(const store::CertificateRecord& record, const char* code, const char* action) {
  return Error::conflict(code, "This certificate is " +
                                   std::string(core::name_of(record.certificate.status)) +
                                   " and cannot be " + action + ".");
}

// Verify, reissue and cancel/revoke: one certificate's steps never interleave.
struct Step {
  store::CertificateRecord record;
  core::CertificateAuthority* authority = nullptr;
};

net::awaitable<core::Result<Step>> open_certificate(Services& services,
                                                    const RequestContext& context) {
  auto record = co_await load_certificate(services, context);
  if (!record) co_return record.error();
  auto authority = authority_of(services, *record);
  if (!authority) co_return authority.error();
  co_return Step{std::move(*record), *authority};
}

net::awaitable<server::Response> finish_step(Services& services, const RequestContext& context,
                                             Step step, core::Result<core::Certificate> view) {
  if (!view) co_return error_response(context.request_id, view.error());
  std::optional<std::string> sealed;
  auto events = apply_view(services, step.record, std::move(*view), context.request_id, sealed);
  if (!events) co_return error_response(context.request_id, events.error());
  auto saved = co_await save_certificate(services, std::move(step.record), std::move(*events),
                                         std::move(sealed));
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return certificate_response(context, 200, *saved);
}

net::awaitable<server::Response> verify_certificate(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  if (auto error = core::json::ObjectReader(*document).finish()) {
    co_return error_response(context.request_id, *error);
  }
  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto step = co_await open_certificate(services, context);
  if (!step) co_return error_response(context.request_id, step.error());
  const CertificateStatus status = step->record.certificate.status;
  if (status != CertificateStatus::pending_validation &&
      status != CertificateStatus::pending_issuance) {
    co_return error_response(context.request_id,
                             wrong_status(step->record, "certificate_not_pending", "verified"));
  }
  auto view = co_await step->authority->verify(step->record.certificate);
  co_return co_await finish_step(services, context, std::move(*step), std::move(view));
}

// The optional body of renew and reissue: a new CSR, other SANs, another DCV method.
core::Status read_changes(const rapidjson::Value& document, core::CertificateRequest& request,
                          bool names_may_change) {
  core::json::ObjectReader body(document);
  const auto csr = body.string("csr", {.max_length = kMaxCsrBytes});
  const auto dcv_method = body.string("dcv_method", {.max_length = 8});
  const auto validity = body.integer("validity_days", {.min = 1, .max = 3650});
  std::optional<std::vector<std::string>> san_names;
  if (names_may_change) {
    san_names = body.strings("san_names", false, kMaxSanNames, {.max_length = 253});
  }
  if (auto error = body.finish()) return *error;
  if (dcv_method) {
    auto method = core::parse_dcv_method(*dcv_method);
    if (!method || (request.wildcard() && *method == core::DcvMethod::http)) {
      return Error::invalid_request("invalid_dcv_method",
                                    request.wildcard() ? "'dcv_method' must be dns or email."
                                                       : "'dcv_method' must be http, dns or email.",
                                    "dcv_method");
    }
    request.dcv_method = *method;
  }
  if (validity) request.validity_days = static_cast<int>(*validity);
  if (san_names) {
    request.san_names.clear();
    for (std::size_t i = 0; i < san_names->size(); ++i) {
      const std::string param = "san_names[" + std::to_string(i) + "]";
      auto san = certificate_name((*san_names)[i], param);
      if (!san) return san.error();
      if (*san == request.common_name) continue;
      if (std::find(request.san_names.begin(), request.san_names.end(), *san) !=
          request.san_names.end()) {
        return Error::invalid_request("duplicate_name", "'" + *san + "' is listed twice.", param);
      }
      request.san_names.push_back(std::move(*san));
    }
  }
  request.csr = csr.value_or("");
  return check_csr(request);
}

// A renewal orders the certificate again, with the body's changes.
core::Result<OrderBody> renewal_order(const store::CertificateRecord& old,
                                      const rapidjson::Value& document) {
  OrderBody order{.customer_id = old.customer_id, .request = old.request};
  order.request.renewal_of = old.certificate.supplier_ref;
  if (auto changed = read_changes(document, order.request, false); !changed) {
    return changed.error();
  }
  return order;
}

net::awaitable<server::Response> renew_certificate(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto loaded = co_await load_certificate(services, context);
  if (!loaded) co_return error_response(context.request_id, loaded.error());
  store::CertificateRecord old = std::move(*loaded);
  const CertificateStatus status = old.certificate.status;
  if (status != CertificateStatus::issued && status != CertificateStatus::expired) {
    co_return error_response(context.request_id,
                             wrong_status(old, "certificate_not_renewable", "renewed"));
  }
  if (!old.renewed_by.empty()) {
    co_return error_response(context.request_id,
                             Error::conflict("already_renewed", "This certificate is renewed by " +
                                                                    old.renewed_by + "."));
  }
  if (auto pending = co_await refuse_while_unresolved(
          services, intent_operation_name::kCertificateOrder, old.id, "renewal_pending",
          "An earlier renewal of this certificate has an outcome the supplier has not confirmed "
          "yet; retry once it has.");
      !pending) {
    co_return error_response(context.request_id, pending.error());
  }
  auto order = renewal_order(old, *document);
  if (!order) co_return error_response(context.request_id, order.error());
  co_return co_await place_order(services, context, std::move(*order), old.id);
}

net::awaitable<server::Response> reissue_certificate(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto document = json_body(context);
  if (!document) co_return error_response(context.request_id, document.error());
  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto step = co_await open_certificate(services, context);
  if (!step) co_return error_response(context.request_id, step.error());
  if (step->record.certificate.status != CertificateStatus::issued) {
    co_return error_response(context.request_id,
                             wrong_status(step->record, "certificate_not_issued", "reissued"));
  }
  const core::Capabilities& capabilities = step->authority->capabilities();
  if (!capabilities.supports(core::Operation::ssl_reissue)) {
    co_return error_response(context.request_id,
                             Error::unprocessable("operation_unsupported",
                                                  "This certificate's supplier cannot reissue."));
  }
  core::CertificateRequest request = step->record.request;
  request.renewal_of.clear();
  if (auto changed = read_changes(*document, request, true); !changed) {
    co_return error_response(context.request_id, changed.error());
  }
  if (auto refused = certificate_refusal(capabilities, request)) {
    co_return error_response(context.request_id, *refused);
  }
  std::optional<std::string> sealed;
  const bool partner_key = !request.csr.empty();
  auto key = co_await prepare_key(services, request, capabilities);
  if (!key) co_return error_response(context.request_id, key.error());
  if (key->private_key_pem) {
    sealed = seal_private_key(services, step->record.id, *key->private_key_pem);
  }
  auto view = co_await step->authority->reissue(step->record.certificate, request);
  if (!view) co_return error_response(context.request_id, view.error());
  step->record.request = std::move(request);
  step->record.key_source = partner_key ? store::KeySource::partner
                            : sealed    ? store::KeySource::gateway
                                        : step->record.key_source;
  step->record.ordered_at = services.clock.now();
  std::optional<std::string> supplier_key;
  auto events =
      apply_view(services, step->record, std::move(*view), context.request_id, supplier_key);
  if (!events) co_return error_response(context.request_id, events.error());
  if (supplier_key) sealed = std::move(supplier_key);
  auto saved = co_await save_certificate(services, std::move(step->record), std::move(*events),
                                         std::move(sealed));
  if (!saved) co_return error_response(context.request_id, saved.error());
  co_return certificate_response(context, 200, *saved);
}

// Cancels an order not yet issued, revokes an issued certificate.
net::awaitable<server::Response> end_certificate(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto guard = co_await services.domain_locks.lock(std::string(context.param("id")));
  auto step = co_await open_certificate(services, context);
  if (!step) co_return error_response(context.request_id, step.error());
  store::CertificateRecord& record = step->record;
  const CertificateStatus status = record.certificate.status;
  core::Certificate after = record.certificate;
  if (status == CertificateStatus::pending_validation ||
      status == CertificateStatus::pending_issuance) {
    auto done = co_await step->authority->cancel(record.certificate);
    if (!done) co_return error_response(context.request_id, done.error());
    after.status = CertificateStatus::canceled;
  } else if (status == CertificateStatus::issued) {
    auto done = co_await step->authority->revoke(record.certificate);
    if (!done) co_return error_response(context.request_id, done.error());
    after.status = CertificateStatus::revoked;
  } else {
    co_return error_response(context.request_id,
                             wrong_status(record, "certificate_not_active", "canceled or revoked"));
  }
  co_return co_await finish_step(services, context, std::move(*step), std::move(after));
}

net::awaitable<server::Response> get_private_key(Services& services, RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  auto record = co_await load_certificate(services, context);
  if (!record) co_return error_response(context.request_id, record.error());
  auto sealed_keys = co_await services.store.read<std::vector<std::string>>(
      [&](store::Database& db) -> core::Result<std::vector<std::string>> {
        return store::private_keys::all(db, record->id);
      });
  if (!sealed_keys) co_return error_response(context.request_id, sealed_keys.error());
  // The key of the certificate as it stands; before issuance, the newest.
  std::optional<std::string> chosen;
  for (const std::string& sealed : *sealed_keys) {
    auto pem = open_private_key(services, record->id, sealed);
    if (!pem) continue;
    if (!chosen) chosen = *pem;
    if (!record->certificate.certificate_pem.empty() &&
        core::pki::key_matches_certificate(*pem, record->certificate.certificate_pem)) {
      chosen = std::move(*pem);
      break;
    }
  }
  if (!chosen) {
    co_return error_response(
        context.request_id,
        Error::not_found("No private key is kept for this certificate: its CSR came with you."));
  }
  co_return data_response(context.request_id, 200, [&](core::json::Writer& out) {
    core::json::write(out, "object", "private_key");
    core::json::write(out, "certificate_id", record->id);
    core::json::write(out, "private_key_pem", *chosen);
  });
}

// An order whose answer was lost happened when the supplier now holds an order for exactly
// its names, placed since the call, that is not already one of the gateway's.
net::awaitable<Resolution> resume_order(Services& services, RequestContext& context,
                                        const store::IntentRecord& intent,
                                        const IntentRequest& request) {
  auto document = core::json::parse(request.body.empty() ? std::string_view("{}") : request.body);
  if (!document) co_return Resolution::unknown(document.error());
  const std::string renewal_of =
      core::json::string_of(core::json::member(request.detail, "renewal_of")).value_or("");
  std::optional<OrderBody> order;
  if (renewal_of.empty()) {
    auto read = read_order(*document);
    if (!read) co_return Resolution::unknown(read.error());
    order = std::move(*read);
  } else {
    auto old = co_await services.store.read<store::CertificateRecord>(
        [&](store::Database& db) -> core::Result<store::CertificateRecord> {
          auto found =
              store::certificates::find(db, intent.partner_id, intent.livemode, renewal_of);
          if (!found) return Error::not_found("Certificate not found.");
          return std::move(*found);
        });
    if (!old) co_return Resolution::unknown(old.error());
    auto read = renewal_order(*old, *document);
    if (!read) co_return Resolution::unknown(read.error());
    order = std::move(*read);
  }
  const bool partner_key = !order->request.csr.empty();
  const auto generated = core::json::string_of(core::json::member(request.detail, "private_key"));
  if (generated) {
    order->request.csr =
        core::json::string_of(core::json::member(request.detail, "csr")).value_or("");
  }
  const auto found = services.providers.find(intent.provider_instance);
  if (found == services.providers.end() || found->second->certificate_authority() == nullptr) {
    co_return Resolution::unknown(Error::upstream(
        503, "supplier_not_configured", "The supplier of this order is no longer configured."));
  }
  adapters::ProviderInstance& instance = *found->second;
  const core::CertificateRequest& wanted = order->request;
  auto known = co_await services.store.read<std::vector<std::string>>(
      [&](store::Database& db) -> core::Result<std::vector<std::string>> {
        return store::certificates::supplier_refs(db, intent.provider_instance, wanted.common_name);
      });
  if (!known) co_return Resolution::unknown(known.error());
  auto view =
      co_await instance.certificate_authority()->find_order(wanted, intent.created_at, *known);
  if (!view) co_return Resolution::unknown(view.error());
  if (!view->has_value()) co_return Resolution::absent();
  auto record = co_await record_new_certificate(services, context, std::move(*order), instance,
                                                std::move(**view), generated, partner_key,
                                                renewal_of, intent);
  if (!record) co_return Resolution::unknown(record.error());
  co_return Resolution::happened(certificate_response(context, 201, *record));
}

net::awaitable<server::Response> answer_order(Services& services, RequestContext& context,
                                              const store::IntentRecord& intent) {
  auto record = co_await services.store.read<store::CertificateRecord>(
      [&intent](store::Database& db) -> core::Result<store::CertificateRecord> {
        auto found =
            store::certificates::find(db, intent.partner_id, intent.livemode, intent.object_id);
        if (!found) return Error::not_found("Certificate not found.");
        return std::move(*found);
      });
  if (!record) co_return error_response(context.request_id, record.error());
  co_return certificate_response(context, 201, *record);
}

}  // namespace

const IntentOperation kCertificateOrderOperation{.name = intent_operation_name::kCertificateOrder,
                                                 .resume = resume_order,
                                                 .answer = answer_order,
                                                 .confirm = nullptr};

void add_certificate_routes(Router& router, Services& services) {
  const auto add = [&](const char* method, const char* pattern, ServiceHandler handler) {
    add_partner_route(router, services, method, pattern, handler);
  };
  add("POST", "/api/v1/ssl", create_certificate);
  add("GET", "/api/v1/ssl", list_certificates);
  add("GET", "/api/v1/ssl/{id}", get_certificate);
  add("DELETE", "/api/v1/ssl/{id}", end_certificate);
  add("POST", "/api/v1/ssl/{id}/verify", verify_certificate);
  add("POST", "/api/v1/ssl/{id}/renew", renew_certificate);
  add("POST", "/api/v1/ssl/{id}/reissue", reissue_certificate);
  add("GET", "/api/v1/ssl/{id}/private_key", get_private_key);
}

}  // namespace portico::api
