#pragma once

#include <string>

#include "portico/core/ports/ports.hpp"

#include "geniusplugin/client.hpp"

// The `geniusplugin` provider type's hosting port: GP Website Firewall packages through
// GeniusPlugin's reseller API (docs/upstreams/geniusplugin.md). A package is addressed by its
// domain, which is also its supplier_ref.
namespace portico::adapters::geniusplugin {

struct Settings {
  std::string currency = "USD";  // of the account's credit balance (the supplier never says)
};

class Provisioner final : public core::HostingProvisioner {
 public:
  Provisioner(Client client, Settings settings);

  const core::Capabilities& capabilities() const override { return capabilities_; }

  // autoregister (package, gpfPassEncrypt'd password, uemail); sent once, never retried. An
  // answer that cannot be read leaves the outcome unknown.
  core::Async<core::HostingPackage> create(const core::HostingRequest& request) override;
  // list; a package the supplier does not know is `known` with status deleted.
  core::Async<core::HostingPackage> info(const core::HostingPackage& known) override;
  core::Async<core::Ok> suspend(const core::HostingPackage& known) override;    // suspended
  core::Async<core::Ok> unsuspend(const core::HostingPackage& known) override;  // active
  core::Async<core::Ok> set_password(const core::HostingPackage& known,
                                     const std::string& password) override;  // passwordreset
  // packageupdate with the package's status as known and the new plan.
  core::Async<core::Ok> change_plan(const core::HostingPackage& known,
                                    const std::string& plan) override;
  core::Async<core::Ok> renew(const core::HostingPackage& known) override;   // never retried
  core::Async<core::Ok> remove(const core::HostingPackage& known) override;  // delete
  core::Async<core::Money> balance() override;                               // getcredit

  // connection: whether the supplier accepts the key from this source address. Not part of
  // the port: a start-up or health check.
  core::Async<core::Ok> check_connection();

 private:
  // One call about `domain` whose only success is status "ok".
  core::Async<core::Ok> command(std::string_view endpoint, std::string domain,
                                FormFields fields = {}, Effect effect = Effect::read);

  Client client_;
  Settings settings_;
  core::Capabilities capabilities_;
};

}  // namespace portico::adapters::geniusplugin
