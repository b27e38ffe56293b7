#include "hostraha/registrar.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "portico/core/text.hpp"

namespace portico::adapters::hostraha {

namespace {

using core::text::lowercase;

using core::Operation;

constexpr std::size_t kMaxNameservers = 5;
constexpr auto kPricesLifetime = std::chrono::hours(1);
// domainfields: base64(serialize([])), Portico has no additional registry fields to send.
constexpr std::string_view kNoDomainFields = "YTowOnt9";

core::Error invalid_years() {
  return core::Error::unprocessable("invalid_years", "The period must be 1 to 10 years.", "years");
}

core::Error too_many_nameservers() {
  return core::Error::unprocessable(
      "too_many_nameservers", "At most 5 nameservers can be set for this domain.", "nameservers");
}

core::Error record_changed() {
  return core::Error::conflict("dns_record_changed",
                               "The record is no longer in the zone: it was changed elsewhere.");
}

core::Error record_exists() {
  return core::Error::conflict("dns_record_exists", "An identical record is already in the zone.");
}

// The nameservers with empty slots dropped (PHP's client never sends them), or nothing when
// there are more than the five slots the API has.
std::optional<std::vector<std::string>> nameserver_slots(const std::vector<std::string>& given) {
  std::vector<std::string> slots;
  for (const auto& host : given)
    if (!host.empty()) slots.push_back(host);
  if (slots.size() > kMaxNameservers) return std::nullopt;
  return slots;
}

core::TimePoint add_years(core::TimePoint from, int years) {
  const auto day = std::chrono::floor<std::chrono::days>(from);
  std::chrono::year_month_day date{day};
  date += std::chrono::years(years);
  // 29 February plus a year is the last day of February.
  if (!date.ok()) date = date.year() / date.month() / std::chrono::last;
  return core::TimePoint(std::chrono::sys_days(date)) + (from - day);
}

// "example.co.ke" -> {"example", ".co.ke"}: WHMCS's second-level label and its TLD.
std::pair<std::string, std::string> split_name(const std::string& name) {
  const auto dot = name.find('.');
  if (dot == std::string::npos) return {name, ""};
  return {name.substr(0, dot), name.substr(dot)};
}

std::optional<std::size_t> find_record(const std::vector<WhmcsRecord>& zone,
                                       const core::DnsRecord& wanted) {
  for (std::size_t i = 0; i < zone.size(); ++i) {
    const auto record = from_whmcs(zone[i]);
    if (record && same_record(*record, wanted)) return i;
  }
  return std::nullopt;
}

}  // namespace

Adapter::Adapter(Client client, const core::Clock& clock, Settings settings, Routes routes)
    : client_(std::move(client)), clock_(clock), settings_(settings), routes_(std::move(routes)) {
  capabilities_.operations = {
      Operation::domain_check,    Operation::domain_register, Operation::domain_transfer,
      Operation::domain_renew,    Operation::domain_info,     Operation::domain_nameservers,
      Operation::domain_contacts, Operation::domain_lock,     Operation::domain_auth_code,
      Operation::domain_privacy,  Operation::domain_glue,     Operation::domain_release,
      Operation::domain_delete,
  };
  if (settings_.email_forwarding) {
    capabilities_.operations.insert(Operation::domain_email_forwarding);
  }
  if (settings_.dns_management) {
    capabilities_.operations.insert(
        {Operation::dns_list, Operation::dns_create, Operation::dns_update, Operation::dns_delete});
    using core::DnsRecordType;
    capabilities_.record_types = {DnsRecordType::a,   DnsRecordType::aaaa, DnsRecordType::cname,
                                  DnsRecordType::mx,  DnsRecordType::txt,  DnsRecordType::ns,
                                  DnsRecordType::srv, DnsRecordType::caa};
  }
  capabilities_.min_years = 1;
  capabilities_.max_years = 10;
}

// ---- helpers --------------------------------------------------------------------------------

core::Async<core::Ok> Adapter::act(std::string action, PhpForm form) {
  auto answer = co_await client_.post(std::move(action), std::move(form));
  if (!answer.ok()) co_return std::move(answer).error();
  if (!is_success(*answer)) co_return bad_response(true);
  co_return core::Ok{};
}

PhpForm Adapter::addons(bool id_protection) const {
  PhpForm form;
  form.add("dnsmanagement", settings_.dns_management)
      .add("emailforwarding", settings_.email_forwarding)
      .add("idprotection", id_protection);
  return form;
}

core::Result<PhpForm> Adapter::order_form(const core::DomainRegistration& request) const {
  if (request.years < capabilities_.min_years || request.years > capabilities_.max_years) {
    return invalid_years();
  }
  const auto slots = nameserver_slots(request.nameservers);
  if (!slots) return too_many_nameservers();

  PhpForm nameservers;
  for (std::size_t i = 0; i < slots->size(); ++i)
    nameservers.add("ns" + std::to_string(i + 1), (*slots)[i]);

  const core::DomainContacts& given = request.contacts;
  PhpForm contacts;
  contacts.add("registrant", registration_contact(given.registrant));
  if (given.admin) contacts.add("admin", registration_contact(*given.admin));
  if (given.tech) contacts.add("tech", registration_contact(*given.tech));
  if (given.billing) contacts.add("billing", registration_contact(*given.billing));

  PhpForm form;
  form.add("domain", request.name)
      .add("regperiod", request.years)
      .add("domainfields", kNoDomainFields)
      .add("nameservers", std::move(nameservers))
      .add("contacts", std::move(contacts))
      .add("addons", addons(request.privacy));
  return form;
}

boost::asio::awaitable<Adapter::Prices> Adapter::prices() {
  {
    std::lock_guard lock(prices_mutex_);
    if (prices_ && clock_.now() - prices_read_at_ < kPricesLifetime) co_return *prices_;
  }
  // Prices are a courtesy of check(): when they cannot be read, names go without them, and
  // the next check() tries again.
  auto answer = co_await client_.get(routes_.tld_pricing);
  if (!answer.ok()) co_return Prices{};
  auto parsed = prices_from_answer(*answer);
  if (!parsed.ok()) co_return Prices{};
  std::lock_guard lock(prices_mutex_);
  prices_ = *parsed;
  prices_read_at_ = clock_.now();
  co_return std::move(parsed).value();
}

// ---- Registrar ------------------------------------------------------------------------------

core::Async<std::vector<core::DomainAvailability>> Adapter::check(
    const std::vector<std::string>& names) {
  // One lookup per second-level label, with every TLD asked for it.
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  for (const auto& name : names) {
    auto [label, tld] = split_name(lowercase(name));
    if (tld.empty()) {
      co_return core::Error::invalid_request("invalid_domain_name", "A domain name needs a TLD.",
                                             "names");
    }
    const std::string& sld = label;  // lambdas cannot capture structured bindings in clang 14
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&sld](const auto& entry) { return entry.first == sld; });
    if (group == groups.end()) group = groups.insert(groups.end(), {label, {}});
    if (std::find(group->second.begin(), group->second.end(), tld) == group->second.end()) {
      group->second.push_back(tld);
    }
  }

  std::map<std::string, core::DomainAvailability> found;
  for (const auto& [label, tlds] : groups) {
    PhpForm include;
    for (std::size_t i = 0; i < tlds.size(); ++i)
      include.add(std::to_string(i), tlds[i]);
    PhpForm form;
    form.add("searchTerm", label)
        .add("punyCodeSearchTerm", label)
        .add("tldsToInclude", std::move(include))
        .add("isIdnDomain", label.starts_with("xn--"))
        .add("premiumEnabled", true)
        .add("isWhmcs", 1);
    auto answer = co_await client_.post(routes_.lookup, std::move(form), Effect::read);
    if (!answer.ok()) co_return std::move(answer).error();
    auto results = availability_from_lookup(*answer);
    if (!results.ok()) co_return std::move(results).error();
    found.merge(*results);
  }

  const Prices prices = co_await this->prices();
  std::vector<core::DomainAvailability> out;
  out.reserve(names.size());
  for (const auto& name : names) {
    const auto result = found.find(lowercase(name));
    // A name the supplier did not answer for is unknown, not unavailable.
    if (result == found.end()) co_return bad_response(false);
    core::DomainAvailability availability = result->second;
    if (!availability.price_minor) {
      const auto price = prices.find(split_name(availability.name).second.substr(1));
      if (price != prices.end()) {
        availability.price_minor = price->second.registration_minor;
        availability.currency = price->second.currency;
      }
    }
    out.push_back(std::move(availability));
  }
  co_return out;
}

core::Async<core::Domain> Adapter::register_domain(const core::DomainRegistration& request) {
  auto form = order_form(request);
  if (!form.ok()) co_return std::move(form).error();
  auto answer = co_await client_.post(routes_.register_domain, std::move(form).value());
  if (!answer.ok()) co_return std::move(answer).error();
  if (!is_success(*answer)) co_return bad_response(true);

  // The registry sets the real expiry; read it back.
  auto information = co_await client_.get(path(routes_.information, request.name));
  if (information.ok()) {
    auto domain = domain_from_information(*information, request.name);
    if (domain.ok()) {
      domain->auto_renew = request.auto_renew;
      co_return domain;
    }
  }
  // Registered, but the read failed: what the order itself says.
  core::Domain domain;
  domain.name = request.name;
  domain.status = core::DomainStatus::active;
  domain.expires_at = add_years(clock_.now(), request.years);
  domain.nameservers = *nameserver_slots(request.nameservers);
  domain.privacy = request.privacy;
  domain.auto_renew = request.auto_renew;
  co_return domain;
}

core::Async<core::Domain> Adapter::transfer(const core::DomainRegistration& request,
                                            const std::string& auth_code) {
  auto form = order_form(request);
  if (!form.ok()) co_return std::move(form).error();
  form->add("eppcode", auth_code);
  auto answer = co_await client_.post(routes_.transfer, std::move(form).value());
  if (!answer.ok()) co_return std::move(answer).error();
  if (!is_success(*answer)) co_return bad_response(true);

  core::Domain domain;
  domain.name = request.name;
  domain.status = core::DomainStatus::pending_transfer;
  domain.nameservers = *nameserver_slots(request.nameservers);
  domain.privacy = request.privacy;
  domain.auto_renew = request.auto_renew;
  co_return domain;
}

core::Async<core::TransferStatus> Adapter::transfer_status(const std::string& name) {
  PhpForm form;
  form.add("domain", name);
  auto answer =
      co_await client_.post(path(routes_.transfer_sync, name), std::move(form), Effect::read);
  if (!answer.ok()) co_return std::move(answer).error();
  co_return transfer_status_from_answer(*answer);
}

core::Async<core::Domain> Adapter::renew(const std::string& name, int years) {
  if (years < capabilities_.min_years || years > capabilities_.max_years) {
    co_return invalid_years();
  }
  // The renewal's ID protection addon follows what the domain has now.
  auto before = co_await info(name);
  if (!before.ok()) co_return std::move(before).error();

  PhpForm form;
  form.add("domain", name).add("regperiod", years).add("addons", addons(before->privacy));
  auto renewed = co_await act(routes_.renew, std::move(form));
  if (!renewed.ok()) co_return std::move(renewed).error();

  auto after = co_await info(name);
  if (after.ok()) co_return after;
  // Renewed, but the read failed: the old expiry moved by the period.
  core::Domain domain = std::move(before).value();
  domain.expires_at = add_years(domain.expires_at.value_or(clock_.now()), years);
  co_return domain;
}

core::Async<core::Domain> Adapter::info(const std::string& name) {
  auto answer = co_await client_.get(path(routes_.information, name));
  if (answer.ok()) co_return domain_from_information(*answer, name);
  // Older servers have no `information` action and refuse it; they still answer sync.
  if (answer.error().code == "upstream_refused") co_return co_await info_from_sync(name);
  co_return std::move(answer).error();
}

core::Async<core::Domain> Adapter::info_from_sync(const std::string& name) {
  PhpForm form;
  form.add("domain", name);
  auto synced = co_await client_.post(path(routes_.sync, name), std::move(form), Effect::read);
  if (!synced.ok()) co_return std::move(synced).error();
  auto domain = domain_from_sync(*synced, name);
  if (!domain.ok()) co_return domain;

  auto nameservers = co_await client_.get(path(routes_.nameservers, name));
  if (!nameservers.ok()) co_return std::move(nameservers).error();
  auto hosts = nameservers_from_answer(*nameservers);
  if (!hosts.ok()) co_return std::move(hosts).error();
  domain->nameservers = std::move(hosts).value();

  auto lock = co_await client_.get(path(routes_.lock, name));
  if (!lock.ok()) co_return std::move(lock).error();
  auto locked = lock_from_answer(*lock);
  if (!locked.ok()) co_return std::move(locked).error();
  domain->locked = *locked;
  co_return domain;
}

core::Async<core::Ok> Adapter::set_nameservers(const std::string& name,
                                               const std::vector<std::string>& nameservers) {
  const auto slots = nameserver_slots(nameservers);
  if (!slots) co_return too_many_nameservers();
  PhpForm form;
  form.add("domain", name);
  for (std::size_t i = 0; i < slots->size(); ++i)
    form.add("ns" + std::to_string(i + 1), (*slots)[i]);
  co_return co_await act(path(routes_.nameservers, name), std::move(form));
}

core::Async<core::Ok> Adapter::set_lock(const std::string& name, bool locked) {
  PhpForm form;
  form.add("domain", name).add("lockstatus", locked ? "locked" : "unlocked");
  co_return co_await act(path(routes_.lock, name), std::move(form));
}

core::Async<core::Ok> Adapter::set_privacy(const std::string& name, bool enabled) {
  PhpForm form;
  form.add("domain", name).add("status", enabled);
  co_return co_await act(path(routes_.id_protection, name), std::move(form));
}

core::Async<core::DomainContacts> Adapter::contacts(const std::string& name) {
  auto answer = co_await client_.get(path(routes_.contacts, name));
  if (!answer.ok()) co_return std::move(answer).error();
  co_return contacts_from_answer(*answer);
}

core::Async<core::Ok> Adapter::set_contacts(const std::string& name,
                                            const core::DomainContacts& contacts) {
  PhpForm form;
  form.add("domain", name).add("contactdetails", contact_details(contacts));
  co_return co_await act(path(routes_.contacts, name), std::move(form));
}

core::Async<std::string> Adapter::auth_code(const std::string& name) {
  auto answer = co_await client_.get(path(routes_.auth_code, name));
  if (!answer.ok()) co_return std::move(answer).error();
  co_return auth_code_from_answer(*answer);
}

core::Async<std::vector<core::EmailForward>> Adapter::email_forwards(const std::string& name) {
  auto answer = co_await client_.get(path(routes_.email_forwards, name));
  if (!answer.ok()) co_return std::move(answer).error();
  co_return forwards_from_answer(*answer);
}

core::Async<core::Ok> Adapter::set_email_forwards(const std::string& name,
                                                  const std::vector<core::EmailForward>& forwards) {
  PhpForm form;
  form.add("domain", name);
  add_forwards(form, forwards);
  co_return co_await act(path(routes_.email_forwards, name), std::move(form));
}

core::Async<core::Ok> Adapter::create_glue(const std::string& name, const core::GlueRecord& glue) {
  PhpForm form;
  form.add("domain", name).add("nameserver", glue.host).add("ipaddress", glue.address);
  co_return co_await act(path(routes_.glue_register, name), std::move(form));
}

core::Async<core::Ok> Adapter::update_glue(const std::string& name, const core::GlueRecord& before,
                                           const core::GlueRecord& after) {
  // The API changes a glue record's address only; a new host is a create and a delete.
  if (lowercase(before.host) != lowercase(after.host)) {
    co_return core::Error::unprocessable(
        "glue_host_change_unsupported",
        "A glue record's host cannot be renamed here; create the new one and delete the old.",
        "host");
  }
  PhpForm form;
  form.add("domain", name)
      .add("nameserver", after.host)
      .add("currentipaddress", before.address)
      .add("newipaddress", after.address);
  co_return co_await act(path(routes_.glue_modify, name), std::move(form));
}

core::Async<core::Ok> Adapter::delete_glue(const std::string& name, const std::string& host) {
  PhpForm form;
  form.add("domain", name).add("nameserver", host);
  co_return co_await act(path(routes_.glue_delete, name), std::move(form));
}

core::Async<core::Ok> Adapter::release(const std::string& name, const std::string& transfer_tag) {
  PhpForm form;
  form.add("domain", name).add("transfertag", transfer_tag);
  co_return co_await act(path(routes_.release, name), std::move(form));
}

core::Async<core::Ok> Adapter::remove(const std::string& name) {
  PhpForm form;
  form.add("domain", name);
  co_return co_await act(path(routes_.remove, name), std::move(form));
}

core::Async<core::Money> Adapter::balance() {
  auto answer = co_await client_.get(routes_.credits);
  if (!answer.ok()) co_return std::move(answer).error();
  co_return balance_from_answer(*answer);
}

// ---- DnsHost --------------------------------------------------------------------------------

core::Async<std::vector<core::DnsRecord>> Adapter::list(const std::string& zone) {
  auto answer = co_await client_.get(path(routes_.dns, zone));
  if (!answer.ok()) co_return std::move(answer).error();
  auto records = zone_from_answer(*answer);
  if (!records.ok()) co_return std::move(records).error();
  std::vector<core::DnsRecord> out;
  for (const auto& record : *records) {
    // Types Portico does not model (WHMCS URL, FRAME, ...) are not listed, but kept on save.
    if (auto mapped = from_whmcs(record)) out.push_back(std::move(*mapped));
  }
  co_return out;
}

core::Async<core::Ok> Adapter::save_zone(const std::string& zone,
                                         std::vector<WhmcsRecord> records) {
  // PHP drops form fields past max_input_vars (1000 by default) without a word: the domain
  // plus five fields per record must fit, or the server would save a truncated zone.
  constexpr std::size_t kMaxZoneRecords = (1000 - 1) / 5;
  if (records.size() > kMaxZoneRecords) {
    co_return core::Error::unprocessable(
        "dns_zone_too_large",
        "This DNS host keeps at most " + std::to_string(kMaxZoneRecords) + " records per zone.");
  }
  PhpForm form;
  form.add("domain", zone).add("dnsrecords", zone_form(records));
  co_return co_await act(path(routes_.dns, zone), std::move(form));
}

core::Async<core::DnsRecord> Adapter::create(const std::string& zone,
                                             const core::DnsRecord& record) {
  const auto guard = co_await zone_locks_.lock(lowercase(zone));
  auto answer = co_await client_.get(path(routes_.dns, zone));
  if (!answer.ok()) co_return std::move(answer).error();
  auto records = zone_from_answer(*answer);
  if (!records.ok()) co_return std::move(records).error();
  if (find_record(*records, record)) co_return record_exists();

  const WhmcsRecord added = to_whmcs(record);
  records->push_back(added);
  auto saved = co_await save_zone(zone, std::move(records).value());
  if (!saved.ok()) co_return std::move(saved).error();
  co_return from_whmcs(added).value_or(record);
}

core::Async<core::DnsRecord> Adapter::update(const std::string& zone, const core::DnsRecord& before,
                                             const core::DnsRecord& after) {
  const auto guard = co_await zone_locks_.lock(lowercase(zone));
  auto answer = co_await client_.get(path(routes_.dns, zone));
  if (!answer.ok()) co_return std::move(answer).error();
  auto records = zone_from_answer(*answer);
  if (!records.ok()) co_return std::move(records).error();
  const auto at = find_record(*records, before);
  if (!at) co_return record_changed();
  if (const auto twin = find_record(*records, after); twin && *twin != *at) {
    co_return record_exists();
  }

  const WhmcsRecord replacement = to_whmcs(after);
  (*records)[*at] = replacement;
  auto saved = co_await save_zone(zone, std::move(records).value());
  if (!saved.ok()) co_return std::move(saved).error();
  co_return from_whmcs(replacement).value_or(after);
}

core::Async<core::Ok> Adapter::remove(const std::string& zone, const core::DnsRecord& record) {
  const auto guard = co_await zone_locks_.lock(lowercase(zone));
  auto answer = co_await client_.get(path(routes_.dns, zone));
  if (!answer.ok()) co_return std::move(answer).error();
  auto records = zone_from_answer(*answer);
  if (!records.ok()) co_return std::move(records).error();
  const auto at = find_record(*records, record);
  if (!at) co_return record_changed();
  records->erase(records->begin() + static_cast<std::ptrdiff_t>(*at));
  co_return co_await save_zone(zone, std::move(records).value());
}

}  // namespace portico::adapters::hostraha
