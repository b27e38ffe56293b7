#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "portico/adapters/keyed_mutex.hpp"
#include "portico/core/clock.hpp"
#include "portico/core/ports/ports.hpp"

#include "hostraha/client.hpp"
#include "hostraha/mapping.hpp"
#include "hostraha/routes.hpp"

// The `hostraha` provider type's category ports: domains and their DNS through the
// ModulesGarden Domains Reseller API (docs/upstreams/hostraha.md).
namespace portico::adapters::hostraha {

struct Settings {
  // The register/transfer/renew addons; Portico's DNS and forwarding APIs need them.
  bool dns_management = true;
  bool email_forwarding = true;
};

class Adapter : public core::Registrar, public core::DnsHost {
 public:
  // `clock` must outlive the adapter.
  Adapter(Client client, const core::Clock& clock, Settings settings,
          Routes routes = Routes::official());

  // One description for both ports: DNS operations only with the DNS management addon, e-mail
  // forwarding only with its addon.
  const core::Capabilities& capabilities() const override { return capabilities_; }

  // Registrar
  core::Async<std::vector<core::DomainAvailability>> check(
      const std::vector<std::string>& names) override;
  core::Async<core::Domain> register_domain(const core::DomainRegistration& request) override;
  core::Async<core::Domain> transfer(const core::DomainRegistration& request,
                                     const std::string& auth_code) override;
  core::Async<core::TransferStatus> transfer_status(const std::string& name) override;
  core::Async<core::Domain> renew(const std::string& name, int years) override;
  core::Async<core::Domain> info(const std::string& name) override;
  core::Async<core::Ok> set_nameservers(const std::string& name,
                                        const std::vector<std::string>& nameservers) override;
  core::Async<core::Ok> set_lock(const std::string& name, bool locked) override;
  core::Async<core::Ok> set_privacy(const std::string& name, bool enabled) override;
  core::Async<core::DomainContacts> contacts(const std::string& name) override;
  core::Async<core::Ok> set_contacts(const std::string& name,
                                     const core::DomainContacts& contacts) override;
  core::Async<std::string> auth_code(const std::string& name) override;
  core::Async<std::vector<core::EmailForward>> email_forwards(const std::string& name) override;
  core::Async<core::Ok> set_email_forwards(
      const std::string& name, const std::vector<core::EmailForward>& forwards) override;
  core::Async<core::Ok> create_glue(const std::string& name, const core::GlueRecord& glue) override;
  core::Async<core::Ok> update_glue(const std::string& name, const core::GlueRecord& before,
                                    const core::GlueRecord& after) override;
  core::Async<core::Ok> delete_glue(const std::string& name, const std::string& host) override;
  core::Async<core::Ok> release(const std::string& name, const std::string& transfer_tag) override;
  core::Async<core::Ok> remove(const std::string& name) override;
  core::Async<core::Money> balance() override;

  // DnsHost: the supplier saves a zone whole, so every change is a read-modify-write of the
  // set, serialized per zone within this process.
  core::Async<std::vector<core::DnsRecord>> list(const std::string& zone) override;
  core::Async<core::DnsRecord> create(const std::string& zone,
                                      const core::DnsRecord& record) override;
  core::Async<core::DnsRecord> update(const std::string& zone, const core::DnsRecord& before,
                                      const core::DnsRecord& after) override;
  core::Async<core::Ok> remove(const std::string& zone, const core::DnsRecord& record) override;

 private:
  using Prices = std::map<std::string, TldPrice, std::less<>>;

  // POST of an action whose answer is only success or an error.
  core::Async<core::Ok> act(std::string action, PhpForm form);
  // register and transfer share their form.
  core::Result<PhpForm> order_form(const core::DomainRegistration& request) const;
  PhpForm addons(bool id_protection) const;
  // The TLD prices, read at most once an hour; none when they cannot be read.
  boost::asio::awaitable<Prices> prices();
  // info() for servers without the `information` action: sync, nameservers and lock.
  core::Async<core::Domain> info_from_sync(const std::string& name);
  // Writes the whole zone; callers hold the zone's lock since they read it.
  core::Async<core::Ok> save_zone(const std::string& zone, std::vector<WhmcsRecord> records);

  std::string path(const std::string& action, const std::string& domain) const {
    return Routes::expand(action, domain);
  }

  Client client_;
  const core::Clock& clock_;
  Settings settings_;
  Routes routes_;
  core::Capabilities capabilities_;
  KeyedMutex zone_locks_;

  std::mutex prices_mutex_;
  std::optional<Prices> prices_;
  core::TimePoint prices_read_at_{};
};

}  // namespace portico::adapters::hostraha
