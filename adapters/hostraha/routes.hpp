#pragma once

#include <string>
#include <string_view>

// Every action path of the Domains Reseller API in one table, relative to the endpoint's
// index.php (docs/upstreams/hostraha.md, "Endpoint and routes"). An instance whose server
// answers other paths could be given another table without touching the client.
namespace portico::adapters::hostraha {

struct Routes {
  std::string lookup;           // POST
  std::string register_domain;  // POST
  std::string transfer;         // POST
  std::string renew;            // POST
  std::string information;      // GET
  std::string auth_code;        // GET
  std::string contacts;         // GET, POST
  std::string lock;             // GET, POST
  std::string dns;              // GET, POST
  std::string email_forwards;   // GET, POST
  std::string id_protection;    // POST
  std::string nameservers;      // GET, POST
  std::string glue_register;    // POST
  std::string glue_modify;      // POST
  std::string glue_delete;      // POST
  std::string release;          // POST
  std::string remove;           // POST
  std::string sync;             // POST
  std::string transfer_sync;    // POST
  std::string credits;          // GET
  std::string tld_pricing;      // GET

  // The routes of the vendor's own registrar client (Calls/*.php), which its server answers.
  static Routes official() {
    return {
        .lookup = "domains/lookup",
        .register_domain = "order/domains/register",
        .transfer = "order/domains/transfer",
        .renew = "order/domains/renew",
        .information = "domains/{domain}/information",
        .auth_code = "domains/{domain}/eppcode",
        .contacts = "domains/{domain}/contact",
        .lock = "domains/{domain}/lock",
        .dns = "domains/{domain}/dns",
        .email_forwards = "domains/{domain}/email",
        .id_protection = "domains/{domain}/protectid",
        .nameservers = "domains/{domain}/nameservers",
        .glue_register = "domains/{domain}/nameservers/register",
        .glue_modify = "domains/{domain}/nameservers/modify",
        .glue_delete = "domains/{domain}/nameservers/delete",
        .release = "domains/{domain}/release",
        .remove = "domains/{domain}/delete",
        .sync = "domains/{domain}/sync",
        .transfer_sync = "domains/{domain}/transfersync",
        .credits = "billing/credits",
        .tld_pricing = "tlds/pricing",
    };
  }

  // The action with every "{domain}" replaced. Names are lowercase ASCII (punycode for IDNs),
  // so they need no escaping in a path.
  static std::string expand(std::string_view action, std::string_view domain) {
    static constexpr std::string_view kPlaceholder = "{domain}";
    std::string out;
    std::size_t from = 0;
    for (std::size_t at = action.find(kPlaceholder); at != std::string_view::npos;
         at = action.find(kPlaceholder, from)) {
      out.append(action.substr(from, at - from));
      out.append(domain);
      from = at + kPlaceholder.size();
    }
    out.append(action.substr(from));
    return out;
  }
};

}  // namespace portico::adapters::hostraha
