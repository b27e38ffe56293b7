#include "geniusplugin/provisioner.hpp"

#include <utility>

#include "geniusplugin/mapping.hpp"

namespace portico::adapters::geniusplugin {

namespace {

using core::Operation;

// GeniusPlugin addresses a package by its domain.
std::string domain_of(const core::HostingPackage& known) {
  return known.supplier_ref.empty() ? known.domain : known.supplier_ref;
}

core::Error unknown_plan() {
  return core::Error::unprocessable("invalid_plan", "The supplier does not offer this plan.",
                                    "plan");
}

core::Error missing_password() {
  return core::Error::unprocessable("password_rejected", "A password is required.", "password");
}

}  // namespace

Provisioner::Provisioner(Client client, Settings settings)
    : client_(std::move(client)), settings_(std::move(settings)) {
  capabilities_.operations = {Operation::hosting_create,   Operation::hosting_info,
                              Operation::hosting_suspend,  Operation::hosting_unsuspend,
                              Operation::hosting_password, Operation::hosting_plan_change,
                              Operation::hosting_renew,    Operation::hosting_delete};
  capabilities_.plans = plans();
}

core::Async<core::Ok> Provisioner::command(std::string_view endpoint, std::string domain,
                                           FormFields fields, Effect effect) {
  auto answer = co_await client_.call(endpoint, domain, std::move(fields), effect);
  if (!answer.ok()) co_return std::move(answer).error();
  if (!is_ok(answer->status)) co_return error_from_status(answer->status);
  co_return core::Ok{};
}

core::Async<core::HostingPackage> Provisioner::create(const core::HostingRequest& request) {
  // The gateway checks both first; a paid call is not the place to find out.
  if (!is_plan(request.plan)) co_return unknown_plan();
  if (request.password.empty()) co_return missing_password();
  FormFields fields = {{"package", request.plan},
                       {"password", client_.password_blob(request.password)},
                       {"uemail", request.email}};
  auto answer =
      co_await client_.call("autoregister", request.domain, std::move(fields), Effect::write);
  if (!answer.ok()) co_return std::move(answer).error();
  if (!is_ok(answer->status)) co_return error_from_status(answer->status);
  core::HostingPackage package;
  package.supplier_ref = request.domain;
  package.domain = request.domain;
  package.plan = request.plan;
  package.status = core::HostingStatus::active;  // created synchronously
  package.supplier_status = "active";
  package.license_token = token_from_create(answer->body);
  co_return package;
}

core::Async<core::HostingPackage> Provisioner::info(const core::HostingPackage& known) {
  auto answer = co_await client_.call("list", domain_of(known), {}, Effect::read);
  if (!answer.ok()) co_return std::move(answer).error();
  auto package = package_from_list(answer->body, known);
  if (package.ok()) co_return std::move(package).value();
  if (package.error().code != "hosting_missing") co_return std::move(package).error();
  // Gone at the supplier: a state, not a failure of the read.
  core::HostingPackage gone = known;
  gone.status = core::HostingStatus::deleted;
  gone.supplier_status.clear();
  co_return gone;
}

core::Async<core::Ok> Provisioner::suspend(const core::HostingPackage& known) {
  return command("suspended", domain_of(known));
}

core::Async<core::Ok> Provisioner::unsuspend(const core::HostingPackage& known) {
  return command("active", domain_of(known));
}

core::Async<core::Ok> Provisioner::set_password(const core::HostingPackage& known,
                                                const std::string& password) {
  if (password.empty()) co_return missing_password();
  FormFields fields;
  fields.emplace_back("password", client_.password_blob(password));
  co_return co_await command("passwordreset", domain_of(known), std::move(fields));
}

core::Async<core::Ok> Provisioner::change_plan(const core::HostingPackage& known,
                                               const std::string& plan) {
  if (!is_plan(plan)) co_return unknown_plan();
  FormFields fields;
  fields.emplace_back("status", supplier_status_word(known.status));
  fields.emplace_back("package", plan);
  co_return co_await command("packageupdate", domain_of(known), std::move(fields));
}

core::Async<core::Ok> Provisioner::renew(const core::HostingPackage& known) {
  return command("renew", domain_of(known), {}, Effect::write);
}

core::Async<core::Ok> Provisioner::remove(const core::HostingPackage& known) {
  return command("delete", domain_of(known));
}

core::Async<core::Money> Provisioner::balance() {
  auto answer = co_await client_.call("getcredit", kAccountDomain, {}, Effect::read);
  if (!answer.ok()) co_return std::move(answer).error();
  co_return credit_from_status(answer->status, settings_.currency);
}

core::Async<core::Ok> Provisioner::check_connection() {
  return command("connection", std::string(kAccountDomain));
}

}  // namespace portico::adapters::geniusplugin
