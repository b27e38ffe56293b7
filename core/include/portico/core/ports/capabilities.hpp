#pragma once

#include <set>
#include <string>
#include <vector>

#include "portico/core/model.hpp"

namespace portico::core {

// What one adapter can do, stated up front so the API refuses what a route cannot serve
// before any supplier call, and GET /api/v1/capabilities can report it.
enum class Operation {
  domain_check,
  domain_register,
  domain_transfer,
  domain_renew,
  domain_info,
  domain_nameservers,
  domain_contacts,
  domain_lock,
  domain_auth_code,
  domain_privacy,
  domain_email_forwarding,
  domain_glue,
  domain_release,
  domain_delete,
  dns_list,
  dns_create,
  dns_update,
  dns_delete,
  ssl_order,
  ssl_info,
  ssl_verify,
  ssl_reissue,
  ssl_renew,
  ssl_cancel,
  ssl_revoke,
  hosting_create,
  hosting_info,
  hosting_suspend,
  hosting_unsuspend,
  hosting_password,
  hosting_plan_change,
  hosting_renew,
  hosting_delete,
};

struct Capabilities {
  std::set<Operation> operations;
  std::set<DnsRecordType> record_types;
  std::set<CertificateType> certificate_types;
  std::set<DcvMethod> dcv_methods;  // wildcard names never use http (a file proves one host)
  bool wildcard = false;            // "*." names
  int max_names = 1;                // common name included
  bool accepts_csr = false;         // false: the supplier generates the key and returns it
  int min_validity_days = 0;        // 0: no range to check
  int max_validity_days = 0;
  int min_years = 1;
  int max_years = 10;
  // Hosting: the plans sold, from the lowest to the highest, spelled as the supplier does.
  std::vector<std::string> plans;

  bool supports(Operation operation) const { return operations.contains(operation); }
};

}  // namespace portico::core
