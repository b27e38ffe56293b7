// The webhook outbox, measured:
//  1. how long picking the next due deliveries takes with 1 thousand to 1 million pending (the
//     due index should keep it flat), read straight through the store the gateway uses;
//  2. deliveries per second from the real `portico` binary to a local receiver, the outbox
//     filled while the gateway was stopped and drained after it starts.
//
// usage: portico_webhook_bench --portico PATH [--pending 1000,10000,100000,1000000]
//                              [--deliveries 20000]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <signal.h>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "portico/core/clock.hpp"
#include "portico/core/ids.hpp"
#include "portico/core/random.hpp"
#include "portico/sim/server.hpp"
#include "portico/store/events.hpp"
#include "portico/store/repositories.hpp"
#include "portico/store/store.hpp"
#include "portico/store/webhooks.hpp"

#include "support/http.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using portico::core::TimePoint;
namespace store = portico::store;
namespace testing = portico::testing;

using Micros = std::chrono::duration<double, std::micro>;

struct Options {
  std::string portico;
  std::vector<long> pending = {1000, 10000, 100000, 1000000};
  long deliveries = 20000;
};

constexpr int kEndpoints = 4;
constexpr int kBatch = 20000;
const TimePoint kBase = TimePoint(std::chrono::milliseconds(1'790'000'000'000LL));

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

store::WebhookEndpointRecord endpoint_record(const std::string& partner_id, int n,
                                             const std::string& url) {
  store::WebhookEndpointRecord endpoint;
  endpoint.id = "wh_bench" + std::to_string(n) + std::string(16, '0');
  endpoint.partner_id = partner_id;
  endpoint.livemode = true;
  endpoint.url = url;
  endpoint.events = {"bench" + std::to_string(n) + ".*"};
  endpoint.sealed_secret = "unused: part 1 never sends";
  endpoint.created_at = kBase;
  endpoint.updated_at = kBase;
  return endpoint;
}

// Appends `count` events of the given partner (types cycling over the endpoints' families),
// created `step` apart from `first`, in transactions of kBatch: each also queues its delivery.
void append_events(store::Store& db, const std::string& partner_id, long count, TimePoint first,
                   std::chrono::milliseconds step, portico::core::Random& random) {
  for (long done = 0; done < count;) {
    const long batch = std::min<long>(kBatch, count - done);
    auto written =
        db.write_now<long>([&](store::Database& connection) -> portico::core::Result<long> {
          for (long i = 0; i < batch; ++i) {
            const long n = done + i;
            store::EventRecord event{
                .id = portico::core::make_id(portico::core::id_prefix::kEvent, random),
                .partner_id = partner_id,
                .livemode = true,
                .type = "bench" + std::to_string(n % kEndpoints) + ".created",
                .object_id = "cus_bench",
                .data_json = R"({"object":{"object":"customer","id":"cus_bench"}})",
                .request_id = "",
                .created_at = first + step * n};
            store::events::append(connection, event);
          }
          return batch;
        });
    if (!written) throw std::runtime_error("bench: cannot append events");
    done += batch;
  }
}

// Part 1: the time to claim the next due deliveries of an endpoint, and to find when the next
// one falls due, with `pending` deliveries waiting (every one of them due).
void measure_pick(long pending) {
  testing::TempDir dir;
  auto db = store::Store::open({.path = dir.file("outbox.db")});
  portico::core::SeededRandom random(42);
  const std::string partner_id = "ptn_bench" + std::string(20, '0');
  (void)db->write_now<bool>([&](store::Database& connection) -> portico::core::Result<bool> {
    store::partners::insert(connection, {.id = partner_id, .name = "bench", .created_at = kBase});
    for (int n = 0; n < kEndpoints; ++n)
      store::webhook_endpoints::insert(connection,
                                       endpoint_record(partner_id, n, "https://example.com/"));
    return true;
  });
  const auto fill_start = std::chrono::steady_clock::now();
  append_events(*db, partner_id, pending, kBase, 1ms, random);
  const double fill_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count();

  const TimePoint now = kBase + std::chrono::milliseconds(pending) + 1s;
  constexpr int kRounds = 300;
  std::vector<double> claim_us;
  std::vector<double> next_due_us;
  for (int round = 0; round < kRounds; ++round) {
    const std::string endpoint_id = endpoint_record(partner_id, round % kEndpoints, "").id;
    // Claimed and rolled back, so every round sees the same outbox.
    (void)db->write_now<bool>([&](store::Database& connection) -> portico::core::Result<bool> {
      const auto start = std::chrono::steady_clock::now();
      const auto claimed =
          store::webhook_deliveries::claim(connection, endpoint_id, now, now + 70s, 16);
      claim_us.push_back(Micros(std::chrono::steady_clock::now() - start).count());
      if (claimed.size() != 16 && pending >= 16 * kEndpoints) {
        throw std::runtime_error("bench: claim found fewer due deliveries than exist");
      }
      return portico::core::Error::conflict("bench_rollback", "roll back");
    });
    (void)db->read_now<bool>([&](store::Database& connection) -> portico::core::Result<bool> {
      const auto start = std::chrono::steady_clock::now();
      const auto due = store::webhook_deliveries::next_due(connection);
      next_due_us.push_back(Micros(std::chrono::steady_clock::now() - start).count());
      return due.has_value();
    });
  }
  std::printf("%12ld %14.1f %14.1f %14.1f %14.1f %10.1f\n", pending, percentile(claim_us, 0.5),
              percentile(claim_us, 0.99), percentile(next_due_us, 0.5),
              percentile(next_due_us, 0.99), fill_seconds);
  std::fflush(stdout);
}

std::string last_line(std::string text) {
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  return text.substr(text.rfind('\n') + 1);
}

std::uint16_t api_port_of(const std::string& ready_line) {
  const std::string field = "api=127.0.0.1:";
  const std::size_t at = ready_line.find(field);
  return at == std::string::npos
             ? 0
             : static_cast<std::uint16_t>(std::stoi(ready_line.substr(at + field.size())));
}

// Part 2: the real gateway draining `count` deliveries to a receiver on loopback.
void measure_throughput(const std::string& portico, long count) {
  testing::TempDir dir;
  const std::string config = dir.file("portico.yaml");
  testing::write_file(dir.file("admin-token"), "bench-admin-token-0123456789\n");
  testing::write_file(config,
                      "server: { listen: 127.0.0.1:0, threads: 2 }\n"
                      "admin:\n  listen: 127.0.0.1:0\n  token_file: admin-token\n"
                      "storage: { sqlite: ./data/portico.db }\n"
                      "jobs: { enabled: false }\n"
                      "keys: { requests_per_second: 0 }\n"
                      "webhooks: { allow_private_targets: true, allow_http: true, "
                      "max_concurrency_per_endpoint: 16 }\n");

  std::atomic<long> received{0};
  portico::sim::Server receiver({.name = "receiver"});
  receiver.route("POST", "/hook", [&received](const portico::sim::SimRequest&) {
    ++received;
    return portico::sim::SimResponse{.status = 204, .content_type = ""};
  });
  receiver.start();

  const auto key =
      testing::run_process({portico, "keys", "create", "--config", config, "--partner", "bench"});
  if (key.exit_code != 0) throw std::runtime_error("bench: keys create failed: " + key.err);
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer " + last_line(key.out)}};

  const std::string log = dir.file("serve.log");
  {  // An endpoint through the API, then the gateway stops.
    auto gateway = testing::start_logging_to_file({portico, "serve", "--config", config}, log);
    const std::uint16_t port =
        api_port_of(testing::wait_for_file_line(log, 0, "portico listening", 10s));
    const auto created =
        testing::http_request(port, "POST", "/api/v1/webhooks", auth,
                              R"({"url":"http://127.0.0.1:)" + std::to_string(receiver.port()) +
                                  R"(/hook","events":["bench.*"]})");
    if (created.status / 100 != 2) throw std::runtime_error("bench: " + created.body);
    gateway->signal(SIGTERM);
    gateway->wait(10s);
  }
  {  // The outbox filled while nothing sends.
    auto db = store::Store::open({.path = dir.file("data/portico.db")});
    auto partner = db->read_now<store::PartnerRecord>(
        [](store::Database& connection) -> portico::core::Result<store::PartnerRecord> {
          auto found = store::partners::find_by_name(connection, "bench");
          if (!found) return portico::core::Error::not_found("no partner");
          return *found;
        });
    if (!partner) throw std::runtime_error("bench: partner not found");
    portico::core::SecureRandom random;
    const TimePoint now = std::chrono::system_clock::now();
    for (long done = 0; done < count;) {
      const long batch = std::min<long>(kBatch, count - done);
      auto written =
          db->write_now<long>([&](store::Database& connection) -> portico::core::Result<long> {
            for (long i = 0; i < batch; ++i) {
              store::events::append(
                  connection,
                  {.id = portico::core::make_id(portico::core::id_prefix::kEvent, random),
                   .partner_id = partner->id,
                   .livemode = true,
                   .type = "bench.created",
                   .object_id = "cus_bench",
                   .data_json = R"({"object":{"object":"customer","id":"cus_bench"}})",
                   .request_id = "",
                   .created_at = now});
            }
            return batch;
          });
      if (!written) throw std::runtime_error("bench: cannot fill the outbox");
      done += batch;
    }
  }

  const std::size_t seen = testing::read_file(log).size();
  auto gateway = testing::start_logging_to_file({portico, "serve", "--config", config}, log);
  const auto start = std::chrono::steady_clock::now();
  if (testing::wait_for_file_line(log, seen, "portico listening", 10s).empty()) {
    throw std::runtime_error("bench: the gateway did not start");
  }
  const auto deadline = start + 300s;
  while (received.load() < count && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  gateway->signal(SIGTERM);
  gateway->wait(10s);
  std::printf("%12ld %12ld %10.2f %16.0f\n", count, received.load(), seconds,
              static_cast<double>(received.load()) / seconds);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];       // NOLINT(*-pointer-arithmetic)
    const std::string value = argv[i + 1];  // NOLINT(*-pointer-arithmetic)
    if (name == "--portico") {
      options.portico = value;
    } else if (name == "--deliveries") {
      options.deliveries = std::stol(value);
    } else if (name == "--pending") {
      options.pending.clear();
      std::stringstream list(value);
      for (std::string item; std::getline(list, item, ',');)
        options.pending.push_back(std::stol(item));
    } else {
      throw std::runtime_error("unknown option " + name);
    }
  }
  if (options.portico.empty()) throw std::runtime_error("--portico PATH is required");
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse(argc, argv);
    std::printf("Picking the next due deliveries (claim 16 of one endpoint; next due time)\n");
    std::printf("%12s %14s %14s %14s %14s %10s\n", "pending", "claim p50 us", "claim p99 us",
                "next p50 us", "next p99 us", "fill s");
    for (const long pending : options.pending)
      measure_pick(pending);
    std::printf("\nDeliveries to a local receiver (outbox filled, then the gateway started)\n");
    std::printf("%12s %12s %10s %16s\n", "queued", "delivered", "seconds", "deliveries/s");
    measure_throughput(options.portico, options.deliveries);
    return 0;
  } catch (const std::exception& error) {
    std::cerr << error.what() << "\n";
    return 1;
  }
}
