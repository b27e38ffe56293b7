#include <array>
#include <utility>

#include "portico/core/names.hpp"

namespace portico::core {

namespace {
template <typename E, std::size_t N>
std::string_view lookup(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [key, name] : table) {
    if (key == value) return name;
  }
  return "unknown";
}
template <typename E, std::size_t N>
std::optional<E> reverse(const std::array<std::pair<E, std::string_view>, N>& table,
                         std::string_view text) {
  for (const auto& [key, name] : table) {
    if (name == text) return key;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<DnsRecordType, std::string_view>, 8> kRecordTypes{{
    {DnsRecordType::a, "A"},
    {DnsRecordType::aaaa, "AAAA"},
    {DnsRecordType::cname, "CNAME"},
    {DnsRecordType::mx, "MX"},
    {DnsRecordType::txt, "TXT"},
    {DnsRecordType::ns, "NS"},
    {DnsRecordType::srv, "SRV"},
    {DnsRecordType::caa, "CAA"},
}};
constexpr std::array<std::pair<CertificateType, std::string_view>, 3> kCertificateTypes{{
    {CertificateType::dv, "dv"},
    {CertificateType::ov, "ov"},
    {CertificateType::ev, "ev"},
}};
constexpr std::array<std::pair<DcvMethod, std::string_view>, 3> kDcvMethods{{
    {DcvMethod::dns, "dns"},
    {DcvMethod::http, "http"},
    {DcvMethod::email, "email"},
}};
constexpr std::array<std::pair<DomainStatus, std::string_view>, 7> kDomainStatuses{{
    {DomainStatus::pending, "pending"},
    {DomainStatus::active, "active"},
    {DomainStatus::pending_transfer, "pending_transfer"},
    {DomainStatus::expired, "expired"},
    {DomainStatus::transferred_away, "transferred_away"},
    {DomainStatus::deleted, "deleted"},
    {DomainStatus::failed, "failed"},
}};
constexpr std::array<std::pair<CertificateStatus, std::string_view>, 7> kCertificateStatuses{{
    {CertificateStatus::pending_validation, "pending_validation"},
    {CertificateStatus::pending_issuance, "pending_issuance"},
    {CertificateStatus::issued, "issued"},
    {CertificateStatus::failed, "failed"},
    {CertificateStatus::canceled, "canceled"},
    {CertificateStatus::revoked, "revoked"},
    {CertificateStatus::expired, "expired"},
}};
constexpr std::array<std::pair<DcvStatus, std::string_view>, 4> kDcvStatuses{{
    {DcvStatus::pending, "pending"},
    {DcvStatus::valid, "valid"},
    {DcvStatus::invalid, "invalid"},
    {DcvStatus::expired, "expired"},
}};
constexpr std::array<std::pair<HostingStatus, std::string_view>, 3> kHostingStatuses{{
    {HostingStatus::active, "active"},
    {HostingStatus::suspended, "suspended"},
    {HostingStatus::deleted, "deleted"},
}};
constexpr std::array<std::pair<Operation, std::string_view>, 33> kOperations{{
    {Operation::domain_check, "domain.check"},
    {Operation::domain_register, "domain.register"},
    {Operation::domain_transfer, "domain.transfer"},
    {Operation::domain_renew, "domain.renew"},
    {Operation::domain_info, "domain.info"},
    {Operation::domain_nameservers, "domain.nameservers"},
    {Operation::domain_contacts, "domain.contacts"},
    {Operation::domain_lock, "domain.lock"},
    {Operation::domain_auth_code, "domain.auth_code"},
    {Operation::domain_privacy, "domain.privacy"},
    {Operation::domain_email_forwarding, "domain.email_forwarding"},
    {Operation::domain_glue, "domain.glue"},
    {Operation::domain_release, "domain.release"},
    {Operation::domain_delete, "domain.delete"},
    {Operation::dns_list, "dns.list"},
    {Operation::dns_create, "dns.create"},
    {Operation::dns_update, "dns.update"},
    {Operation::dns_delete, "dns.delete"},
    {Operation::ssl_order, "ssl.order"},
    {Operation::ssl_info, "ssl.info"},
    {Operation::ssl_verify, "ssl.verify"},
    {Operation::ssl_reissue, "ssl.reissue"},
    {Operation::ssl_renew, "ssl.renew"},
    {Operation::ssl_cancel, "ssl.cancel"},
    {Operation::ssl_revoke, "ssl.revoke"},
    {Operation::hosting_create, "hosting.create"},
    {Operation::hosting_info, "hosting.info"},
    {Operation::hosting_suspend, "hosting.suspend"},
    {Operation::hosting_unsuspend, "hosting.unsuspend"},
    {Operation::hosting_password, "hosting.password"},
    {Operation::hosting_plan_change, "hosting.plan_change"},
    {Operation::hosting_renew, "hosting.renew"},
    {Operation::hosting_delete, "hosting.delete"},
}};
}  // namespace

std::string_view name_of(DomainStatus value) {
  return lookup(kDomainStatuses, value);
}
std::string_view name_of(DnsRecordType value) {
  return lookup(kRecordTypes, value);
}
std::string_view name_of(CertificateType value) {
  return lookup(kCertificateTypes, value);
}
std::string_view name_of(DcvMethod value) {
  return lookup(kDcvMethods, value);
}
std::string_view name_of(CertificateStatus value) {
  return lookup(kCertificateStatuses, value);
}
std::string_view name_of(DcvStatus value) {
  return lookup(kDcvStatuses, value);
}
std::string_view name_of(HostingStatus value) {
  return lookup(kHostingStatuses, value);
}
std::string_view name_of(Operation value) {
  return lookup(kOperations, value);
}

std::optional<DomainStatus> parse_domain_status(std::string_view text) {
  return reverse(kDomainStatuses, text);
}
std::optional<DnsRecordType> parse_dns_record_type(std::string_view text) {
  return reverse(kRecordTypes, text);
}
std::optional<CertificateType> parse_certificate_type(std::string_view text) {
  return reverse(kCertificateTypes, text);
}
std::optional<DcvMethod> parse_dcv_method(std::string_view text) {
  return reverse(kDcvMethods, text);
}
std::optional<CertificateStatus> parse_certificate_status(std::string_view text) {
  return reverse(kCertificateStatuses, text);
}
std::optional<DcvStatus> parse_dcv_status(std::string_view text) {
  return reverse(kDcvStatuses, text);
}
std::optional<HostingStatus> parse_hosting_status(std::string_view text) {
  return reverse(kHostingStatuses, text);
}

std::vector<std::string> CertificateRequest::names() const {
  std::vector<std::string> names{common_name};
  names.insert(names.end(), san_names.begin(), san_names.end());
  return names;
}

}  // namespace portico::core
