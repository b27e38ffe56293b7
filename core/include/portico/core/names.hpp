#pragma once

#include <optional>
#include <string_view>

#include "portico/core/model.hpp"
#include "portico/core/ports/capabilities.hpp"

// The wire names of the model's enumerations, as the public API spells them.
namespace portico::core {

std::string_view name_of(DomainStatus value);
std::string_view name_of(DnsRecordType value);
std::string_view name_of(CertificateType value);
std::string_view name_of(DcvMethod value);
std::string_view name_of(CertificateStatus value);
std::string_view name_of(DcvStatus value);
std::string_view name_of(HostingStatus value);
std::string_view name_of(Operation value);

std::optional<DomainStatus> parse_domain_status(std::string_view text);
std::optional<DnsRecordType> parse_dns_record_type(std::string_view text);
std::optional<CertificateType> parse_certificate_type(std::string_view text);
std::optional<DcvMethod> parse_dcv_method(std::string_view text);
std::optional<CertificateStatus> parse_certificate_status(std::string_view text);
std::optional<DcvStatus> parse_dcv_status(std::string_view text);
std::optional<HostingStatus> parse_hosting_status(std::string_view text);

}  // namespace portico::core
