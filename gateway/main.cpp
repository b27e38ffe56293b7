// portico: the gateway binary. Thin on purpose: parse arguments, load config, build, run.
//
//   portico serve --config FILE
//   portico config check FILE
//   portico keys create --config FILE --partner NAME [--test]
//   portico keys list   --config FILE --partner NAME
//   portico keys revoke --config FILE --key KEY_ID

#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "portico/adapters/registry.hpp"
#include "portico/admin/accounts.hpp"
#include "portico/config/config.hpp"
#include "portico/core/clock.hpp"
#include "portico/gateway/app.hpp"
#include "portico/store/store.hpp"

namespace {

using namespace portico;

constexpr int kUsageError = 2;

int usage() {
  std::cerr << "usage:\n"
               "  portico serve --config FILE\n"
               "  portico config check FILE\n"
               "  portico keys create --config FILE --partner NAME [--test]\n"
               "  portico keys list   --config FILE --partner NAME\n"
               "  portico keys revoke --config FILE --key KEY_ID\n";
  return kUsageError;
}

// "--name value" pairs and bare "--flag"s after the command words.
struct Arguments {
  std::map<std::string, std::string> options;
  std::vector<std::string> words;
  bool has(const std::string& name) const { return options.contains(name); }
  std::string get(const std::string& name) const {
    const auto found = options.find(name);
    return found == options.end() ? std::string() : found->second;
  }
};

Arguments parse_arguments(int argc, char** argv) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.starts_with("--")) {
      const std::string name = word.substr(2);
      if (name == "test") {
        arguments.options[name] = "1";
      } else if (i + 1 < argc) {
        arguments.options[name] = argv[++i];
      } else {
        arguments.options[name] = "";
      }
    } else {
      arguments.words.push_back(std::move(word));
    }
  }
  return arguments;
}

config::Config load(const std::string& path, const adapters::Registry& registry) {
  return config::load_config(path, registry.schemas());
}

int keys_command(const Arguments& arguments, const adapters::Registry& registry) {
  const std::string action = arguments.words.size() > 1 ? arguments.words[1] : "";
  if (!arguments.has("config")) return usage();
  const config::Config config = load(arguments.get("config"), registry);
  auto store = store::Store::open({.path = config.storage.sqlite_path, .readers = 1});
  core::SystemClock clock;
  core::SecureRandom random;
  const admin::Actor actor{"cli", ""};

  if (action == "create" || action == "list") {
    const std::string partner_name = arguments.get("partner");
    if (partner_name.empty()) return usage();
    if (action == "list") {
      auto keys = store->read_now<std::vector<store::ApiKeyRecord>>(
          [&](store::Database& db) -> core::Result<std::vector<store::ApiKeyRecord>> {
            auto partner = store::partners::find_by_name(db, partner_name);
            if (!partner) return core::Error::not_found("Partner not found.", "partner");
            return store::api_keys::list_for_partner(db, partner->id);
          });
      if (!keys) {
        std::cerr << "portico: " << keys.error().message << "\n";
        return 1;
      }
      for (const auto& key : *keys) {
        std::cout << key.id << "  " << key.prefix << "...  " << (key.livemode ? "live" : "test")
                  << "  " << (key.revoked_at ? "revoked" : "active") << "\n";
      }
      return 0;
    }
    // Creates the partner on first use, then a key, in one transaction.
    auto created = store->write_now<admin::CreatedKey>(
        [&](store::Database& db) -> core::Result<admin::CreatedKey> {
          auto partner = store::partners::find_by_name(db, partner_name);
          if (!partner) {
            auto made = admin::create_partner(db, partner_name, actor, clock.now(), random);
            if (!made) return made.error();
            partner = *made;
          }
          return admin::create_key(db, partner->id, !arguments.has("test"), config.keys.brand,
                                   actor, clock.now(), random);
        });
    if (!created) {
      std::cerr << "portico: " << created.error().message << "\n";
      return 1;
    }
    std::cout << "partner: " << partner_name << " (" << created->record.partner_id << ")\n"
              << "key id:  " << created->record.id << "\n"
              << "This key is shown once; store it now.\n"
              << created->plaintext << "\n";
    return 0;
  }
  if (action == "revoke") {
    const std::string key_id = arguments.get("key");
    if (key_id.empty()) return usage();
    auto revoked = store->write_now<store::ApiKeyRecord>(
        [&](store::Database& db) { return admin::revoke_key(db, key_id, actor, clock.now()); });
    if (!revoked) {
      std::cerr << "portico: " << revoked.error().message << "\n";
      return 1;
    }
    std::cout << "revoked " << revoked->id << " (" << revoked->prefix << "...)\n";
    return 0;
  }
  return usage();
}

int run(int argc, char** argv) {
  const Arguments arguments = parse_arguments(argc, argv);
  if (arguments.words.empty()) return usage();
  const adapters::Registry registry = adapters::builtin_registry();
  const std::string& command = arguments.words[0];

  if (command == "serve") {
    if (!arguments.has("config")) return usage();
    gateway::App app(load(arguments.get("config"), registry), registry, {});
    app.run(/*handle_signals=*/true);
    return 0;
  }
  if (command == "config" && arguments.words.size() == 3 && arguments.words[1] == "check") {
    const config::Config config = load(arguments.words[2], registry);
    std::cout << arguments.words[2] << ": ok (" << config.providers.size()
              << " provider instances)\n";
    return 0;
  }
  if (command == "keys") return keys_command(arguments, registry);
  return usage();
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
    return 1;
  }
}
