// portico: the gateway binary. Thin on purpose: parse arguments, load config, then hand the work
// to the libraries (the store, admin:: for anything that writes, each step one transaction with
// its audit entry). docs/cli.md has every command's options, output and exit codes.
//
//   portico serve    --config FILE
//   portico config   check FILE
//   portico migrate  --config FILE [--check]
//   portico partners create --config FILE --name NAME
//   portico partners list   --config FILE
//   portico keys     create --config FILE --partner NAME [--test]
//   portico keys     list   --config FILE --partner NAME
//   portico keys     revoke --config FILE --key KEY_ID
//   portico webhooks replay --config FILE EVENT_ID [--endpoint WH_ID]
//   portico openapi
//   portico help
//
// Exit codes: 0 done; 1 refused or failed (a duplicate name, an unknown event, a database that
// needs migrating under --check, a database or start-up failure); 2 a usage or config error.

#include <algorithm>
#include <array>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "portico/adapters/registry.hpp"
#include "portico/admin/accounts.hpp"
#include "portico/admin/webhook_replay.hpp"
#include "portico/api/openapi.hpp"
#include "portico/config/config.hpp"
#include "portico/core/clock.hpp"
#include "portico/gateway/app.hpp"
#include "portico/store/store.hpp"

namespace {

using namespace portico;

constexpr int kRefused = 1;
constexpr int kUsageError = 2;

// Options that take no value; every other "--name" takes the next argument.
constexpr std::array<std::string_view, 2> kFlags = {"test", "check"};

// The words that are not options, in order, and the "--name value" pairs and bare "--flag"s.
struct Arguments {
  std::vector<std::string> words;
  std::map<std::string, std::string, std::less<>> options;
  std::string problem;  // why the line does not parse; empty when it does

  bool has(std::string_view name) const { return options.contains(name); }
  std::string get(std::string_view name) const {
    const auto found = options.find(name);
    return found == options.end() ? std::string() : found->second;
  }
};

Arguments parse_arguments(std::span<char*> argv) {
  Arguments arguments;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::string word = argv[i];
    if (!word.starts_with("--")) {
      arguments.words.push_back(std::move(word));
      continue;
    }
    std::string name = word.substr(2);
    if (arguments.has(name)) {
      arguments.problem = "--" + name + " is given twice";
      return arguments;
    }
    if (std::find(kFlags.begin(), kFlags.end(), name) != kFlags.end()) {
      arguments.options[name] = "1";
    } else if (i + 1 < argv.size() && argv[i + 1][0] != '\0') {
      arguments.options[name] = argv[++i];
    } else {
      arguments.problem = "--" + name + " needs a value";
      return arguments;
    }
  }
  return arguments;
}

struct Command;
using Handler = int (*)(const Command& command, const Arguments& arguments,
                        const adapters::Registry& registry);

// One line of the usage text, and what the command accepts: its name words, then the
// `positional` word if it has one, the `required` options and the `optional` ones.
struct Command {
  std::string_view name;      // "partners create"
  std::string_view synopsis;  // what follows the name in the usage text
  std::string_view summary;
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
  std::string_view positional;  // the one word after the name ("FILE"), empty when none
  Handler handler = nullptr;

  std::size_t name_words() const {
    return static_cast<std::size_t>(std::count(name.begin(), name.end(), ' ')) + 1;
  }
};

const std::vector<Command>& commands();

// The usage text on stderr, after what was wrong when something was.
int usage(std::string_view problem = {}) {
  if (!problem.empty()) std::cerr << "portico: " << problem << "\n";
  std::cerr << "usage: portico COMMAND [OPTIONS]   (every command: docs/cli.md)\n\n";
  const auto line_of = [](const Command& command) {
    return std::string(command.name) + " " + std::string(command.synopsis);
  };
  std::size_t width = 0;
  for (const Command& command : commands())
    width = std::max(width, line_of(command).size());
  for (const Command& command : commands()) {
    std::cerr << "  " << std::left << std::setw(static_cast<int>(width + 2)) << line_of(command)
              << command.summary << "\n";
  }
  std::cerr << "\nexit codes: 0 done, 1 refused or failed, 2 usage or config error\n";
  return kUsageError;
}

// The problem with the arguments given to `command`, empty when they fit.
std::string misuse(const Command& command, const Arguments& arguments) {
  const std::string name(command.name);
  const auto accepts = [&command](std::string_view option) {
    return std::find(command.required.begin(), command.required.end(), option) !=
               command.required.end() ||
           std::find(command.optional.begin(), command.optional.end(), option) !=
               command.optional.end();
  };
  const auto unknown = std::find_if(arguments.options.begin(), arguments.options.end(),
                                    [&](const auto& option) { return !accepts(option.first); });
  if (unknown != arguments.options.end()) {
    return "unknown option --" + unknown->first + " for '" + name + "'";
  }
  for (std::string_view option : command.required) {
    if (!arguments.has(option)) return "'" + name + "' needs --" + std::string(option);
  }
  const std::size_t wanted = command.positional.empty() ? 0 : 1;
  const std::size_t given = arguments.words.size() - command.name_words();
  if (given < wanted) return "'" + name + "' needs " + std::string(command.positional);
  if (given > wanted) {
    return "unexpected '" + arguments.words[command.name_words() + wanted] + "' after '" + name +
           "'";
  }
  return {};
}

// "'keys' needs create, list or revoke" for a group word without (or with a wrong) sub-word.
std::string unknown_command(const std::vector<std::string>& words) {
  std::vector<std::string_view> actions;
  for (const Command& command : commands()) {
    const std::size_t space = command.name.find(' ');
    if (space != std::string_view::npos && command.name.substr(0, space) == words[0]) {
      actions.push_back(command.name.substr(space + 1));
    }
  }
  if (actions.empty()) return "unknown command '" + words[0] + "'";
  std::string choices;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    choices += (i == 0 ? "" : i + 1 == actions.size() ? " or " : ", ") + std::string(actions[i]);
  }
  const std::string given = words.size() > 1 ? " (not '" + words[1] + "')" : "";
  return "'" + words[0] + "' needs " + choices + given;
}

config::Config load(const std::string& path, const adapters::Registry& registry) {
  return config::load_config(path, registry.schemas());
}

std::unique_ptr<store::Store> open_store(const config::Config& config) {
  return store::Store::open({.path = config.storage.sqlite_path, .readers = 1});
}

int refused(const core::Error& error) {
  std::cerr << "portico: " << error.message << "\n";
  return kRefused;
}

const admin::Actor kCliActor{"cli", ""};

// serve, config check

int serve_command(const Command& /*command*/, const Arguments& arguments,
                  const adapters::Registry& registry) {
  gateway::App app(load(arguments.get("config"), registry), registry, {});
  app.run(/*handle_signals=*/true);
  return 0;
}

int config_check_command(const Command& /*command*/, const Arguments& arguments,
                         const adapters::Registry& registry) {
  const std::string& path = arguments.words[2];
  const config::Config config = load(path, registry);
  std::cout << path << ": ok (" << config.providers.size() << " provider instances)\n";
  return 0;
}

// migrate

std::string migration_name(int version) {
  for (const store::Migration& migration : store::builtin_migrations()) {
    if (migration.version == version) return migration.name;
  }
  return "?";
}

std::string count_of(std::size_t count, std::string_view one, std::string_view many) {
  return std::to_string(count) + " " + std::string(count == 1 ? one : many);
}

int migrate_command(const Command& /*command*/, const Arguments& arguments,
                    const adapters::Registry& registry) {
  const config::Config config = load(arguments.get("config"), registry);
  const std::string& path = config.storage.sqlite_path;
  // Read-only: --check must leave the file as it is, and the "before" of a migration is
  // told before anything is applied.
  const store::SchemaStatus before = store::schema_status(path);
  const std::string version = "schema version " + std::to_string(before.version);
  if (before.pending.empty()) {
    std::cout << path << ": " << version << ", up to date\n";
    return 0;
  }
  std::string pending;
  for (const store::Migration& migration : before.pending) {
    pending +=
        (pending.empty() ? "" : ", ") + std::to_string(migration.version) + " " + migration.name;
  }
  const std::string state = before.exists ? version : version + " (no database yet)";
  if (arguments.has("check")) {
    std::cout << path << ": " << state << ", needs "
              << count_of(before.pending.size(), "migration", "migrations") << ": " << pending
              << "\n";
    return kRefused;
  }
  std::cout << path << ": " << state << ", applying "
            << count_of(before.pending.size(), "migration", "migrations") << "\n";
  const auto store = open_store(config);
  for (const int applied : store->applied_at_open()) {
    std::cout << "applied " << applied << " " << migration_name(applied) << "\n";
  }
  // Another process (a gateway starting) may have applied them between the two reads.
  std::cout << path << ": schema version " << store->schema_version()
            << (store->applied_at_open().empty() ? ", up to date" : "") << "\n";
  return 0;
}

// partners

int partners_create_command(const Command& /*command*/, const Arguments& arguments,
                            const adapters::Registry& registry) {
  const config::Config config = load(arguments.get("config"), registry);
  const std::string name = arguments.get("name");
  const auto store = open_store(config);
  core::SystemClock clock;
  core::SecureRandom random;
  auto created = store->write_now<store::PartnerRecord>(
      [&](store::Database& db) -> core::Result<store::PartnerRecord> {
        // Looked up first so that the refusal names the partner that holds the name.
        if (auto existing = store::partners::find_by_name(db, name)) {
          return core::Error::conflict(
              "partner_exists",
              "a partner named '" + name + "' already exists (" + existing->id + ")", "name");
        }
        return admin::create_partner(db, name, kCliActor, clock.now(), random);
      });
  if (!created) return refused(created.error());
  std::cout << created->id << "\n";  // alone on its line: `id=$(portico partners create ...)`
  return 0;
}

int partners_list_command(const Command& /*command*/, const Arguments& arguments,
                          const adapters::Registry& registry) {
  const config::Config config = load(arguments.get("config"), registry);
  const auto store = open_store(config);
  auto partners = store->read_now<std::vector<store::PartnerKeyCounts>>(
      [](store::Database& db) -> core::Result<std::vector<store::PartnerKeyCounts>> {
        return store::partners::list_with_key_counts(db);
      });
  if (!partners) return refused(partners.error());
  // The name last: it may hold spaces, every column before it never does.
  const auto row = [](std::string_view id, std::string_view created, auto live, auto test,
                      auto revoked, std::string_view name) {
    std::cout << std::left << std::setw(30) << id << std::setw(22) << created << std::right
              << std::setw(4) << live << std::setw(6) << test << std::setw(9) << revoked << "  "
              << name << "\n";
  };
  row("ID", "CREATED", "LIVE", "TEST", "REVOKED", "NAME");
  for (const auto& entry : *partners) {
    row(entry.partner.id, core::format_rfc3339(entry.partner.created_at), entry.live, entry.test,
        entry.revoked, entry.partner.name);
  }
  return 0;
}

// keys

int keys_create_command(const Command& /*command*/, const Arguments& arguments,
                        const adapters::Registry& registry) {
  const config::Config config = load(arguments.get("config"), registry);
  const std::string partner_name = arguments.get("partner");
  const auto store = open_store(config);
  core::SystemClock clock;
  core::SecureRandom random;
  // Creates the partner on first use, then a key, in one transaction.
  auto created = store->write_now<admin::CreatedKey>(
      [&](store::Database& db) -> core::Result<admin::CreatedKey> {
        auto partner = store::partners::find_by_name(db, partner_name);
        if (!partner) {
          auto made = admin::create_partner(db, partner_name, kCliActor, clock.now(), random);
          if (!made) return made.error();
          partner = *made;
        }
        return admin::create_key(db, partner->id, !arguments.has("test"), config.keys.brand,
                                 kCliActor, clock.now(), random);
      });
  if (!created) return refused(created.error());
  std::cout << "partner: " << partner_name << " (" << created->record.partner_id << ")\n"
            << "key id:  " << created->record.id << "\n"
            << "This key is shown once; store it now.\n"
            << created->plaintext << "\n";
  return 0;
}

int keys_list_command(const Command& /*command*/, const Arguments& arguments,
                      const adapters::Registry& registry) {
  const config::Config config = load(arguments.get("config"), registry);
  const std::string partner_name = arguments.get("partner");
  const auto store = open_store(config);
  auto keys = store->read_now<std::vector<store::ApiKeyRecord>>(
      [&](store::Database& db) -> core::Result<std::vector<store::ApiKeyRecord>> {
        auto partner = store::partners::find_by_name(db, partner_name);
        if (!partner) return core::Error::not_found("Partner not found.", "partner");
        return store::api_keys::list_for_partner(db, partner->id);
      });
  if (!keys) return refused(keys.error());
  for (const auto& key : *keys) {
    std::cout << key.id << "  " << key.prefix << "...  " << (key.livemode ? "live" : "test") << "  "
              << (key.revoked_at ? "revoked" : "active") << "\n";
  }
  return 0;
}

int keys_revoke_command(const Command& /*command*/, const Arguments& arguments,
                        const adapters::Registry& registry) {
  const config::Config config = load(arguments.get("config"), registry);
  const std::string key_id = arguments.get("key");
  const auto store = open_store(config);
  core::SystemClock clock;
  auto revoked = store->write_now<store::ApiKeyRecord>(
      [&](store::Database& db) { return admin::revoke_key(db, key_id, kCliActor, clock.now()); });
  if (!revoked) return refused(revoked.error());
  store->key_revocations().add_one();  // committed: a running gateway reads its keys again
  std::cout << "revoked " << revoked->id << " (" << revoked->prefix << "...)\n";
  return 0;
}

// webhooks replay

int webhooks_replay_command(const Command& /*command*/, const Arguments& arguments,
                            const adapters::Registry& registry) {
  const config::Config config = load(arguments.get("config"), registry);
  const std::string& event_id = arguments.words[2];
  const std::string endpoint_id = arguments.get("endpoint");
  const auto store = open_store(config);
  core::SystemClock clock;
  core::SecureRandom random;
  // Only queued here: the running gateway's dispatcher finds the deliveries within
  // webhooks.poll_interval_ms and sends them, signed, with its retries.
  auto replayed = store->write_now<admin::ReplayedEvent>([&](store::Database& db) {
    return admin::replay_event(
        db, event_id,
        arguments.has("endpoint") ? std::optional<std::string_view>(endpoint_id) : std::nullopt,
        kCliActor, clock.now(), random);
  });
  if (!replayed) return refused(replayed.error());
  const store::EventRecord& event = replayed->event;
  std::cout << "queued " << count_of(replayed->deliveries.size(), "delivery", "deliveries")
            << " of " << event.id << " (" << event.type << ", partner " << event.partner_id << ", "
            << (event.livemode ? "live" : "test") << " mode)\n";
  for (const auto& delivery : replayed->deliveries) {
    std::cout << delivery.id << "  " << delivery.endpoint_id << "\n";
  }
  return 0;
}

// openapi, help

int openapi_command(const Command& /*command*/, const Arguments& /*arguments*/,
                    const adapters::Registry& /*registry*/) {
  std::cout << api::openapi_json() << "\n";
  return 0;
}

int help_command(const Command& /*command*/, const Arguments& /*arguments*/,
                 const adapters::Registry& /*registry*/) {
  return usage();
}

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"serve",
       "--config FILE",
       "run the gateway (SIGTERM stops, SIGHUP reloads)",
       {"config"},
       {},
       "",
       serve_command},
      {"config check", "FILE", "validate a config file", {}, {}, "FILE", config_check_command},
      {"migrate",
       "--config FILE [--check]",
       "apply pending schema migrations (--check: tell)",
       {"config"},
       {"check"},
       "",
       migrate_command},
      {"partners create",
       "--config FILE --name NAME",
       "create a partner; prints its id",
       {"config", "name"},
       {},
       "",
       partners_create_command},
      {"partners list",
       "--config FILE",
       "partners with their key counts",
       {"config"},
       {},
       "",
       partners_list_command},
      {"keys create",
       "--config FILE --partner NAME [--test]",
       "a new key, shown once",
       {"config", "partner"},
       {"test"},
       "",
       keys_create_command},
      {"keys list",
       "--config FILE --partner NAME",
       "a partner's keys (prefixes only)",
       {"config", "partner"},
       {},
       "",
       keys_list_command},
      {"keys revoke",
       "--config FILE --key KEY_ID",
       "revoke a key",
       {"config", "key"},
       {},
       "",
       keys_revoke_command},
      {"webhooks replay",
       "--config FILE EVENT_ID [--endpoint WH_ID]",
       "queue an event's deliveries again",
       {"config"},
       {"endpoint"},
       "EVENT_ID",
       webhooks_replay_command},
      {"openapi", "", "print the API's OpenAPI document (JSON)", {}, {}, "", openapi_command},
      {"help", "", "this text", {}, {}, "", help_command},
  };
  return list;
}

// The command whose name words begin the line: "keys create ..." is keys create.
const Command* find_command(const std::vector<std::string>& words) {
  for (const Command& command : commands()) {
    std::string line;
    for (std::size_t i = 0; i < command.name_words() && i < words.size(); ++i)
      line += (i == 0 ? "" : " ") + words[i];
    if (line == command.name) return &command;
  }
  return nullptr;
}

int run(int argc, char** argv) {
  const Arguments arguments =
      parse_arguments(std::span<char*>(argv + 1, static_cast<std::size_t>(std::max(argc - 1, 0))));
  if (!arguments.problem.empty()) return usage(arguments.problem);
  if (arguments.words.empty()) return usage();
  const Command* command = find_command(arguments.words);
  if (command == nullptr) return usage(unknown_command(arguments.words));
  if (const std::string problem = misuse(*command, arguments); !problem.empty()) {
    return usage(problem);
  }
  const adapters::Registry registry = adapters::builtin_registry();
  return command->handler(*command, arguments, registry);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const config::ConfigError& error) {
    std::cerr << error.what() << "\n";
    return kUsageError;
  } catch (const std::exception& error) {
    // Start-up failures (port taken, unreadable TLS file, database refused) end here.
    std::cerr << "portico: " << error.what() << "\n";
    return kRefused;
  }
}
