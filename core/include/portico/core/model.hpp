#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portico/core/clock.hpp"

// The normalized model: what partners see, whatever supplier serves them. Adapters map their
// supplier's wire shapes to and from these.
namespace portico::core {

struct Contact {
  std::string first_name;
  std::string last_name;
  std::string organization;
  std::string email;
  std::string phone;  // E.164-like, "+254.712345678" as registries want it
  std::string address1;
  std::string address2;
  std::string city;
  std::string state;
  std::string postcode;
  std::string country;  // ISO 3166-1 alpha-2
};

struct DomainContacts {
  Contact registrant;
  std::optional<Contact> admin;  // missing roles default to the registrant
  std::optional<Contact> tech;
  std::optional<Contact> billing;
};

// pending: registration under way; failed: a transfer the supplier refused; transferred_away:
// the domain left the account elsewhere; deleted: removed at the supplier.
enum class DomainStatus {
  pending,
  active,
  pending_transfer,
  expired,
  transferred_away,
  deleted,
  failed
};

struct Domain {
  std::string name;  // lowercase, punycode for IDNs
  DomainStatus status = DomainStatus::pending;
  std::string supplier_status;  // the supplier's own word for the status, kept beside ours
  std::optional<TimePoint> expires_at;
  std::vector<std::string> nameservers;
  bool locked = false;
  bool privacy = false;
  bool auto_renew = false;
};

enum class TransferState { pending, completed, failed };

struct TransferStatus {
  TransferState state = TransferState::pending;
  std::optional<TimePoint> expires_at;  // when completed, if the supplier says
  std::string reason;                   // when failed
};

// Mail to prefix@domain is forwarded to forward_to.
struct EmailForward {
  std::string prefix;
  std::string forward_to;
};

// A name server inside the domain itself (ns1.example.com) registered with its address.
struct GlueRecord {
  std::string host;
  std::string address;
};

struct Money {
  std::int64_t amount_minor = 0;  // cents, or the currency's minor unit
  std::string currency;           // ISO 4217; empty when the supplier does not say
};

struct DomainRegistration {
  std::string name;
  int years = 1;
  std::vector<std::string> nameservers;
  DomainContacts contacts;
  bool privacy = false;
  bool auto_renew = false;
};

struct DomainAvailability {
  std::string name;
  bool available = false;
  bool premium = false;
  std::optional<std::int64_t> price_minor;  // registration price for one year, when known
  std::string currency;
};

enum class DnsRecordType { a, aaaa, cname, mx, txt, ns, srv, caa };

struct DnsRecord {
  std::string supplier_ref;  // the supplier's id or line for this record, when it has one
  DnsRecordType type = DnsRecordType::a;
  std::string name;  // relative to the zone, "@" for the apex
  std::string value;
  std::int64_t ttl = 3600;
  std::optional<std::int64_t> priority;  // MX, SRV
  std::optional<std::int64_t> weight;    // SRV
  std::optional<std::int64_t> port;      // SRV
  std::optional<std::int64_t> flags;     // CAA
  std::string tag;                       // CAA
};

// The validation level; wildcard and multi-name are properties of the request, not types.
enum class CertificateType { dv, ov, ev };
enum class DcvMethod { http, dns, email };
enum class CertificateStatus {
  pending_validation,  // waiting for domain control (and, for OV/EV, organization) validation
  pending_issuance,    // validated; the supplier has not issued yet (or is reissuing)
  issued,
  failed,
  canceled,
  revoked,
  expired,
};
enum class DcvStatus { pending, valid, invalid, expired };

// Exactly what to publish for one name. http: serve `content` as the body of `url` (plain
// HTTP, port 80). dns: a record `record_name` (fully qualified, no trailing dot) of
// `record_type` (txt or cname) holding `record_value`. email: approve the mail sent to one of
// `emails`. Fields of other methods stay empty.
struct DcvInstructions {
  std::string url;
  std::string content;
  std::string record_name;
  DnsRecordType record_type = DnsRecordType::txt;
  std::string record_value;
  std::vector<std::string> emails;
};

// Domain control validation of one name.
struct CertificateValidation {
  std::string name;  // as ordered, "*.example.com" for a wildcard
  DcvMethod method = DcvMethod::dns;
  DcvStatus status = DcvStatus::pending;
  // The supplier's handle for this name where it has one (an order or domain id); adapters
  // set it and read it back from the `known` certificate.
  std::string supplier_ref;
  DcvInstructions instructions;
  std::string detail;  // why the last check failed, in words for the partner; never a secret
  std::optional<TimePoint> validated_at;
  std::optional<TimePoint> expires_at;  // when the token or authorization stops being usable
};

// The legal entity for OV and EV certificates.
struct CertificateOrganization {
  std::string name;
  std::string address1;
  std::string address2;
  std::string city;
  std::string state;
  std::string postcode;
  std::string country;  // ISO 3166-1 alpha-2, upper case
  std::string phone;    // "+CC.NNNN"
  // The person the supplier verifies the order with.
  std::string contact_first_name;
  std::string contact_last_name;
  std::string contact_email;
  std::string contact_phone;
  std::string contact_job_title;
};

struct CertificateRequest {
  std::string common_name;  // lowercase ASCII; "*.example.com" for a wildcard
  CertificateType type = CertificateType::dv;
  std::vector<std::string> san_names;  // the other names, without the common name
  DcvMethod dcv_method = DcvMethod::dns;
  // PEM, already checked to ask for exactly common_name + san_names. Empty only for suppliers
  // that generate the key themselves (capabilities.accepts_csr == false).
  std::string csr;
  int validity_days = 0;  // 0: the supplier's default
  // OV/EV: the organization to validate; nullopt: the instance's configured organization.
  std::optional<CertificateOrganization> organization;
  std::string renewal_of;  // supplier_ref of the certificate this order renews, or empty

  bool wildcard() const { return common_name.starts_with("*."); }
  // common_name first, then san_names.
  std::vector<std::string> names() const;
};

// The supplier's view of one certificate order.
struct Certificate {
  std::string supplier_ref;     // the order id
  std::string supplier_status;  // raw, as the supplier spelled it
  CertificateStatus status = CertificateStatus::pending_validation;
  std::vector<CertificateValidation> validations;  // one per name, in request order
  std::string certificate_ref;  // the issued certificate's id at the supplier, if it has one
  // Once issued: the leaf, then intermediates and root as the supplier gave them, each PEM
  // with "\n" line ends.
  std::string certificate_pem;
  std::string chain_pem;
  // Only when the supplier generated the key (and only in the answer that carried it); the
  // gateway seals it at once.
  std::string private_key_pem;
  std::string detail;  // why it failed, when status == failed
  // When an issuance was asked for and its answer lost (SSLCI's finalize, whose answer alone
  // carries the key): the next attempt first removes what that request may have issued.
  std::optional<TimePoint> issue_requested_at;
};

// A website-firewall (or hosting) package. GeniusPlugin creates packages synchronously, so a
// package is active as soon as create() succeeds.
enum class HostingStatus { active, suspended, deleted };

struct HostingRequest {
  std::string domain;    // the protected site, lowercase ASCII
  std::string plan;      // one of Capabilities::plans, spelled as there
  std::string email;     // where the supplier sends the user's notifications
  std::string password;  // the user's dashboard password, in clear (the adapter encrypts it)
};

struct HostingPackage {
  std::string supplier_ref;  // the supplier's handle for the package (GeniusPlugin: the domain)
  std::string domain;
  std::string plan;  // empty when the supplier's answer does not say (keep the known one)
  HostingStatus status = HostingStatus::active;
  std::string supplier_status;  // raw, as the supplier spelled it
  std::string license_token;    // opaque, from the supplier's create answer; passed through
};

}  // namespace portico::core
