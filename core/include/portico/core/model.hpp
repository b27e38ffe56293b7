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

enum class CertificateType { dv, ov, ev, wildcard, multi };
enum class DcvMethod { dns, http, email };
enum class CertificateStatus { pending_validation, issued, cancelled, revoked, expired, failed };

struct CertificateValidation {
  std::string name;
  DcvMethod method = DcvMethod::dns;
  std::string status;        // pending, valid, invalid
  std::string instructions;  // what to publish where, in words a customer can follow
};

struct CertificateRequest {
  std::string common_name;
  CertificateType type = CertificateType::dv;
  std::vector<std::string> san_names;
  DcvMethod dcv_method = DcvMethod::dns;
  std::string csr;        // PEM; empty when the supplier generates the key
  int validity_days = 0;  // 0: the supplier's default
  std::string organization;
};

struct Certificate {
  std::string supplier_ref;
  CertificateStatus status = CertificateStatus::pending_validation;
  std::vector<CertificateValidation> validations;
  std::string certificate_pem;
  std::string chain_pem;
  std::optional<TimePoint> not_before;
  std::optional<TimePoint> not_after;
};

enum class HostingStatus { pending, active, suspended, terminated, failed };

struct HostingRequest {
  std::string domain;
  std::string plan;
  std::string email;
  std::string password;
};

struct HostingPackage {
  std::string supplier_ref;
  std::string domain;
  std::string plan;
  HostingStatus status = HostingStatus::pending;
};

}  // namespace portico::core
