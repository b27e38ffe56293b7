#include "portico/events/dispatcher.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "portico/api/webhooks.hpp"
#include "portico/core/webhook.hpp"
#include "portico/http/client.hpp"
#include "portico/store/events.hpp"
#include "portico/store/webhooks.hpp"

namespace portico::events {

namespace net = boost::asio;
using SteadyClock = std::chrono::steady_clock;
using store::webhook_deliveries::Due;

namespace {

// Receivers' bodies are ignored; a bigger one is a failed attempt, not a memory problem.
constexpr std::size_t kMaxResponseBytes = std::size_t{1} << 20;
// A claim outlives its attempt's deadline by this much before another pass may take it again.
constexpr std::chrono::seconds kLeaseSlack{60};
// Pooled connections to a receiver are closed after this long without an attempt, and its
// client is dropped after kForgetClient.
constexpr std::chrono::seconds kCloseIdleConnections{5};
constexpr std::chrono::minutes kForgetClient{5};
constexpr std::string_view kUserAgent = "Portico-Webhooks/1";

// The client's error codes as an attempt records them.
std::string attempt_error(const core::Error& error) {
  if (error.code == "upstream_timeout") return "timeout";
  if (error.code == "upstream_unavailable") return "connect_failed";
  if (error.code == "upstream_target_refused") return "target_refused";
  if (error.code == "upstream_tls_error") return "tls_error";
  return "bad_response";
}

// Lets run_once() wait for the attempts it started. Touched on `strand` only.
struct AttemptGroup {
  explicit AttemptGroup(const net::any_io_executor& on)
      : strand(net::make_strand(on)), all_done(strand) {
    all_done.expires_at(net::steady_timer::time_point::max());
  }
  net::any_io_executor strand;
  net::steady_timer all_done;  // cancelled when `remaining` reaches 0
  int remaining = 0;
  int succeeded = 0;
  int failed = 0;
};

// Everything the loop, the passes and the attempts share; they keep it alive.
struct DispatchState {
  explicit DispatchState(api::Services& services_in) : services(services_in) {}

  api::Services& services;

  // Set once by start(), before `started` is (release/acquire), never changed after.
  net::any_io_executor executor;
  net::any_io_executor strand;  // the loop's
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  bool release_claims_at_start = true;  // set by start()
  // The loop and the attempts still running, each counted until its completion's last step:
  // at 0 nothing touches `services` any more (Dispatcher::idle()).
  std::atomic<int> live_tasks{0};
  // A wake is posted and not yet handled: later ones add nothing.
  std::atomic<bool> wake_posted{false};
  // The last pass left due work behind for lack of free slots: a finished attempt wakes
  // the loop so its slot is used at once.
  std::atomic<bool> saturated{false};

  // On the strand only.
  net::steady_timer* timer = nullptr;  // the loop's wait, while the loop runs
  bool woken = false;

  struct CachedClient {
    std::shared_ptr<http::Client> client;
    SteadyClock::time_point last_used;
  };

  std::mutex mutex;                                   // guards everything below
  std::map<std::string, int, std::less<>> in_flight;  // attempts (or reserved slots) per endpoint
  int in_flight_total = 0;
  std::size_t rotation = 0;  // where the next pass starts in the endpoint list: fairness
  std::map<std::string, CachedClient, std::less<>> clients;  // by origin
};

using State = DispatchState;

void wake_loop(const std::shared_ptr<State>& state) {
  if (!state->started.load(std::memory_order_acquire) || state->stopped) return;
  if (state->wake_posted.exchange(true)) return;
  net::post(state->strand, [state] {
    state->wake_posted = false;
    state->woken = true;
    if (state->timer != nullptr) state->timer->cancel();
  });
}

struct Slot {
  std::string endpoint_id;
  int free = 0;
};

// Reserves every slot that is free now, endpoint by endpoint, starting at a rotating offset so
// that under the global cap no endpoint always comes last.
std::vector<Slot> reserve_slots(State& state, const std::vector<std::string>& endpoint_ids) {
  const auto& config = state.services.config.webhooks;
  const int per_endpoint = std::max(1, config.max_concurrency_per_endpoint);
  const int total = std::max(1, config.max_in_flight);
  std::vector<Slot> slots;
  bool left_out = false;
  std::lock_guard lock(state.mutex);
  const std::size_t count = endpoint_ids.size();
  const std::size_t first = count == 0 ? 0 : state.rotation++ % count;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& id = endpoint_ids[(first + i) % count];
    int& busy = state.in_flight[id];
    const int free = std::min(per_endpoint - busy, total - state.in_flight_total);
    if (free <= 0) {
      left_out = true;
      if (busy == 0) state.in_flight.erase(id);
      continue;
    }
    busy += free;
    state.in_flight_total += free;
    slots.push_back({id, free});
  }
  if (left_out) state.saturated = true;
  return slots;
}

void release_slots(State& state, const std::string& endpoint_id, int count) {
  if (count <= 0) return;
  std::lock_guard lock(state.mutex);
  state.in_flight_total -= count;
  const auto found = state.in_flight.find(endpoint_id);
  if (found == state.in_flight.end()) return;
  found->second -= count;
  if (found->second <= 0) state.in_flight.erase(found);
}

// Closes connections nobody used lately and forgets clients of receivers long unused.
void prune_clients(State& state) {
  const auto now = SteadyClock::now();
  std::vector<std::shared_ptr<http::Client>> forgotten;  // destroyed outside the lock
  std::lock_guard lock(state.mutex);
  for (auto it = state.clients.begin(); it != state.clients.end();) {
    const auto idle = now - it->second.last_used;
    if (idle >= kForgetClient && it->second.client.use_count() == 1) {
      forgotten.push_back(std::move(it->second.client));
      it = state.clients.erase(it);
      continue;
    }
    if (idle >= kCloseIdleConnections) it->second.client->close_idle();
    ++it;
  }
}

// One client per origin; throws (std::runtime_error) when the CA bundle cannot be loaded.
std::shared_ptr<http::Client> client_for(State& state, const core::webhook::TargetUrl& target,
                                         const net::any_io_executor& executor) {
  const std::string origin =
      target.scheme + "://[" + target.host + "]:" + std::to_string(target.port);
  std::lock_guard lock(state.mutex);
  const auto found = state.clients.find(origin);
  if (found != state.clients.end()) {
    found->second.last_used = SteadyClock::now();
    return found->second.client;
  }
  const auto& config = state.services.config.webhooks;
  http::ClientOptions options;
  options.scheme = target.scheme;
  options.host = target.host;
  options.port = target.port;
  options.ca_file = config.ca_file;
  options.timeout = config.timeout;
  // Each endpoint is held to max_concurrency_per_endpoint by the slots; several endpoints may
  // share an origin, and a call queued in the client would spend its deadline waiting.
  options.max_connections = static_cast<std::size_t>(std::max(1, config.max_in_flight));
  options.max_response_bytes = kMaxResponseBytes;
  options.user_agent = std::string(kUserAgent);
  if (!config.allow_private_targets) {
    options.refuse_address = [](std::string_view ip) {
      return core::webhook::refused_address_reason(ip);
    };
  }
  // No on_exchange: receivers' answers are not audit material.
  auto client = std::make_shared<http::Client>(executor, std::move(options));
  state.clients.emplace(origin, State::CachedClient{client, SteadyClock::now()});
  return client;
}

// What sending produced: the attempt (all but retry_at) and the receiver's Retry-After.
struct Sent {
  store::AttemptResult result;
  std::optional<std::chrono::seconds> retry_after;
};

// Signs and sends one delivery to an enabled endpoint.
net::awaitable<Sent> send(State& state, const store::WebhookEndpointRecord& endpoint,
                          const Due& due, core::TimePoint at,
                          const net::any_io_executor& executor) {
  api::Services& services = state.services;
  const auto& config = services.config.webhooks;
  Sent sent;
  store::AttemptResult& result = sent.result;
  const auto target = core::webhook::parse_target_url(endpoint.url);
  if (!target) {
    result.error = "invalid_url";
    co_return sent;
  }
  // Checked again at each attempt: the config may have changed since the URL was accepted.
  if (endpoint.livemode && target->scheme == "http" && !config.allow_http) {
    result.error = "target_refused";
    co_return sent;
  }
  const std::optional<std::string> secret =
      api::open_webhook_secret(services.sealing_key, endpoint.id, endpoint.sealed_secret);
  if (!secret) {
    services.log.error("webhook secret does not open", {{"endpoint", endpoint.id}});
    result.error = "secret_unavailable";
    co_return sent;
  }
  std::vector<std::string_view> secrets{*secret};
  std::optional<std::string> previous;
  if (!endpoint.sealed_previous_secret.empty() && endpoint.previous_secret_expires_at &&
      *endpoint.previous_secret_expires_at > at) {
    previous = api::open_webhook_secret(services.sealing_key, endpoint.id,
                                        endpoint.sealed_previous_secret);
    if (previous) secrets.emplace_back(*previous);
  }

  const std::string prefix = "X-" + config.header_brand + "-";
  http::Request request;
  request.method = "POST";
  request.target = target->target;
  request.body = api::event_json(due.event);
  request.headers = {
      {"Content-Type", "application/json"},
      {prefix + "Signature",
       core::webhook::signature_header(core::unix_seconds(at), request.body, secrets)},
      {prefix + "Event", due.event.type},
      {prefix + "Delivery", due.delivery.id},
      {prefix + "Event-Id", due.event.id},
      {prefix + "Attempt", std::to_string(due.delivery.attempts + 1)},
  };

  std::shared_ptr<http::Client> client;
  try {
    client = client_for(state, *target, executor);
  } catch (const std::exception& error) {
    services.log.error("webhook client cannot be built", {{"detail", error.what()}});
    result.error = "tls_error";
    co_return sent;
  }
  const auto started = SteadyClock::now();
  core::Result<http::Response> response = co_await client->send(std::move(request));
  result.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
  if (!response) {
    result.error = attempt_error(response.error());
    co_return sent;
  }
  result.status_code = response->status;
  result.succeeded = response->status >= 200 && response->status <= 299;
  result.gone = response->status == 410;
  if (!result.succeeded) {
    result.error = "http_" + std::to_string(response->status);
    if (const auto retry_after = response->header("Retry-After")) {
      sent.retry_after =
          core::webhook::parse_retry_after(*retry_after, core::unix_seconds(services.clock.now()));
    }
  }
  co_return sent;
}

// Reads the endpoint, sends, and records the attempt (with the endpoint's disabling and its
// event, in one transaction). True when the receiver took it.
net::awaitable<bool> attempt(std::shared_ptr<State> state, Due due, net::any_io_executor executor) {
  api::Services& services = state->services;
  const auto& config = services.config.webhooks;
  const std::string& endpoint_id = due.delivery.endpoint_id;
  auto endpoint = co_await services.store.read<std::optional<store::WebhookEndpointRecord>>(
      [&endpoint_id](
          store::Database& db) -> core::Result<std::optional<store::WebhookEndpointRecord>> {
        return store::webhook_endpoints::find_by_id(db, endpoint_id);
      });
  if (!endpoint) {
    // The claim stays; when its lease ends the delivery is claimed and sent again.
    services.log.error("webhook attempt skipped: the endpoint cannot be read",
                       {{"delivery", due.delivery.id}});
    co_return false;
  }

  const core::TimePoint at = services.clock.now();
  store::AttemptResult result;
  if (!endpoint->has_value() || (*endpoint)->status != "enabled") {
    // Deleted or disabled since the claim: not sent. A retry time lets record_attempt cancel
    // or pause the delivery rather than abandon it.
    result.error = endpoint->has_value() ? "endpoint_disabled" : "endpoint_deleted";
    result.retry_at = at;
  } else {
    Sent sent = co_await send(*state, **endpoint, due, at, executor);
    result = std::move(sent.result);
    if (!result.succeeded) {
      // The ladder counts from the failure; std::nullopt after the last attempt abandons.
      const auto delay =
          core::webhook::retry_delay(due.delivery.attempts + 1, services.random, sent.retry_after);
      if (delay) result.retry_at = services.clock.now() + *delay;
    }
  }

  using Recorded = store::webhook_deliveries::Recorded;
  auto recorded = co_await services.store.write<Recorded>(
      [&services, &due, &at, &result, &config](store::Database& db) -> core::Result<Recorded> {
        const Recorded outcome = store::webhook_deliveries::record_attempt(
            db, due.delivery.id, at, result, config.disable_after_failures);
        if (outcome.endpoint_change != store::EndpointChange::none) {
          // Its state after the change, for the event partners receive about it.
          const auto after = store::webhook_endpoints::find_by_id(db, due.delivery.endpoint_id);
          if (after) {
            store::events::append(
                db, api::make_endpoint_event(services, "webhook_endpoint.disabled", *after, ""));
          }
        }
        return outcome;
      });
  if (!recorded) {
    services.log.error("webhook attempt not recorded; it is sent again after its lease",
                       {{"delivery", due.delivery.id}});
    co_return result.succeeded;
  }
  if (!recorded->recorded) {
    services.log.warn("webhook attempt not recorded: the delivery is no longer claimed",
                      {{"delivery", due.delivery.id}});
    co_return result.succeeded;
  }
  switch (recorded->endpoint_change) {
    case store::EndpointChange::disabled_gone:
      services.log.warn("webhook endpoint disabled",
                        {{"endpoint", endpoint_id}, {"reason", "gone"}});
      break;
    case store::EndpointChange::disabled_consecutive_failures:
      services.log.warn("webhook endpoint disabled",
                        {{"endpoint", endpoint_id}, {"reason", "consecutive_failures"}});
      break;
    case store::EndpointChange::none:
      break;
  }
  if (!result.succeeded && !result.retry_at) {
    services.log.warn("webhook delivery abandoned",
                      {{"delivery", due.delivery.id},
                       {"endpoint", endpoint_id},
                       {"error", result.error},
                       {"attempts", std::to_string(due.delivery.attempts + 1)}});
  }
  co_return result.succeeded;
}

// Starts one attempt; its slot is given back when it ends, and `group` (run_once) told.
void spawn_attempt(const std::shared_ptr<State>& state, Due due,
                   const net::any_io_executor& executor,
                   const std::shared_ptr<AttemptGroup>& group) {
  std::string endpoint_id = due.delivery.endpoint_id;
  ++state->live_tasks;
  net::co_spawn(executor, attempt(state, std::move(due), executor),
                [state, group, endpoint_id = std::move(endpoint_id)](
                    const std::exception_ptr& error, bool succeeded) {
                  release_slots(*state, endpoint_id, 1);
                  if (error) {
                    try {
                      std::rethrow_exception(error);
                    } catch (const std::exception& failure) {
                      state->services.log.error("webhook attempt failed unexpectedly",
                                                {{"detail", failure.what()}});
                    }
                    succeeded = false;
                  }
                  if (group) {
                    net::post(group->strand, [group, succeeded] {
                      ++(succeeded ? group->succeeded : group->failed);
                      if (--group->remaining == 0) group->all_done.cancel();
                    });
                  }
                  if (state->saturated) wake_loop(state);
                  --state->live_tasks;
                });
}

// Claims, in one transaction, as many due deliveries per enabled endpoint as it has free slots
// (nothing when nothing is due), giving back the slots it could not fill.
net::awaitable<std::vector<Due>> claim_due(State& state) {
  api::Services& services = state.services;
  const core::TimePoint now = services.clock.now();
  struct Found {
    std::optional<core::TimePoint> next_due;
    std::vector<std::string> endpoint_ids;
  };
  auto found =
      co_await services.store.read<Found>([&now](store::Database& db) -> core::Result<Found> {
        Found work;
        work.next_due = store::webhook_deliveries::next_due(db);
        if (work.next_due && *work.next_due <= now) {
          work.endpoint_ids = store::webhook_endpoints::enabled_ids(db);
        }
        return work;
      });
  if (!found) {
    services.log.error("webhook dispatch: the outbox cannot be read");
    co_return std::vector<Due>{};
  }
  state.saturated = false;
  const std::vector<Slot> slots = reserve_slots(state, found->endpoint_ids);
  if (slots.empty()) co_return std::vector<Due>{};

  const core::TimePoint lease_until = now + services.config.webhooks.timeout + kLeaseSlack;
  using Claims = std::vector<std::vector<Due>>;
  auto claimed = co_await services.store.write<Claims>(
      [&slots, &now, &lease_until](store::Database& db) -> core::Result<Claims> {
        Claims claims;
        claims.reserve(slots.size());
        for (const Slot& slot : slots) {
          claims.push_back(
              store::webhook_deliveries::claim(db, slot.endpoint_id, now, lease_until, slot.free));
        }
        return claims;
      });
  std::vector<Due> dues;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const int taken = claimed ? static_cast<int>((*claimed)[i].size()) : 0;
    // All it asked for: more may be due behind them.
    if (taken == slots[i].free) state.saturated = true;
    release_slots(state, slots[i].endpoint_id, slots[i].free - taken);
    if (claimed) {
      for (Due& due : (*claimed)[i])
        dues.push_back(std::move(due));
    }
  }
  if (!claimed) services.log.error("webhook dispatch: deliveries cannot be claimed");
  co_return dues;
}

// Waits on the group's strand until every attempt of the group has ended.
net::awaitable<void> wait_for(std::shared_ptr<AttemptGroup> group) {
  while (group->remaining > 0) {
    boost::system::error_code ignored;
    co_await group->all_done.async_wait(net::redirect_error(net::use_awaitable, ignored));
  }
}

// The loop, on its strand: release what a previous process left claimed, then passes, each
// followed by a wait until the next delivery falls due (at most poll_interval), cut short by
// wake() and, while slots were short, by finished attempts.
net::awaitable<void> run_loop(std::shared_ptr<State> state) {
  api::Services& services = state->services;
  const auto poll = std::max(std::chrono::milliseconds(1), services.config.webhooks.poll_interval);
  const core::TimePoint started_at = services.clock.now();
  // After a reload the previous dispatcher's attempts may still be in flight: their claims
  // are theirs. Only a new process finds claims nobody holds.
  if (state->release_claims_at_start) {
    auto released =
        co_await services.store.write<int>([&started_at](store::Database& db) -> core::Result<int> {
          return store::webhook_deliveries::release_claims(db, started_at);
        });
    if (!released) {
      services.log.error("webhook dispatch: claims of the previous run cannot be released");
    } else if (*released > 0) {
      services.log.info("webhook deliveries released for retry",
                        {{"deliveries", std::to_string(*released)}});
    }
  }

  net::steady_timer timer(state->strand);
  state->timer = &timer;
  while (!state->stopped) {
    state->woken = false;
    std::vector<Due> dues = co_await claim_due(*state);
    const bool claimed_any = !dues.empty();
    for (Due& due : dues)
      spawn_attempt(state, std::move(due), state->executor, nullptr);
    prune_clients(*state);
    if (state->stopped) break;
    if (state->woken) continue;

    auto next = co_await services.store.read<std::optional<core::TimePoint>>(
        [](store::Database& db) -> core::Result<std::optional<core::TimePoint>> {
          return store::webhook_deliveries::next_due(db);
        });
    if (state->stopped) break;
    if (state->woken) continue;
    std::chrono::milliseconds wait = poll;
    if (next && next->has_value()) {
      const auto until =
          std::chrono::ceil<std::chrono::milliseconds>(**next - services.clock.now());
      if (until > std::chrono::milliseconds::zero()) {
        wait = std::min(wait, until);
      } else if (claimed_any) {
        wait = std::chrono::milliseconds::zero();  // more is due than this pass took
      }
      // Due but nothing claimable (every slot busy): a finished attempt wakes the loop.
    }
    if (wait > std::chrono::milliseconds::zero()) {
      timer.expires_after(wait);
      boost::system::error_code ignored;
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ignored));
    }
  }
  state->timer = nullptr;
}

}  // namespace

struct Dispatcher::State : DispatchState {
  using DispatchState::DispatchState;
};

Dispatcher::Dispatcher(api::Services& services) : state_(std::make_shared<State>(services)) {}

Dispatcher::~Dispatcher() {
  stop();
}

void Dispatcher::start(const net::any_io_executor& executor, bool release_claims) {
  if (!state_->services.config.webhooks.enabled || state_->started || state_->stopped) return;
  state_->release_claims_at_start = release_claims;
  state_->executor = executor;
  state_->strand = net::make_strand(executor);
  state_->started.store(true, std::memory_order_release);
  std::shared_ptr<State> state = state_;
  ++state->live_tasks;
  net::co_spawn(state->strand, run_loop(state), [state](const std::exception_ptr& error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& failure) {
        state->services.log.error("webhook dispatch stopped", {{"detail", failure.what()}});
      }
    }
    --state->live_tasks;
  });
}

bool Dispatcher::idle() const {
  return state_->live_tasks == 0;
}

void Dispatcher::stop() {
  if (state_->stopped.exchange(true)) return;
  if (!state_->started.load(std::memory_order_acquire)) return;
  net::post(state_->strand, [state = state_] {
    if (state->timer != nullptr) state->timer->cancel();
  });
}

void Dispatcher::wake() {
  wake_loop(state_);
}

net::awaitable<DispatchReport> Dispatcher::run_once() {
  std::shared_ptr<State> state = state_;
  // The loop's executor when it runs, else the caller's. (Not one conditional expression
  // holding a co_await: GCC 12 destroys its result twice.)
  net::any_io_executor executor = co_await net::this_coro::executor;
  if (state->started.load(std::memory_order_acquire)) executor = state->executor;
  std::vector<Due> dues = co_await claim_due(*state);
  DispatchReport report;
  report.claimed = static_cast<int>(dues.size());
  if (dues.empty()) co_return report;
  auto group = std::make_shared<AttemptGroup>(executor);
  group->remaining = report.claimed;
  for (Due& due : dues)
    spawn_attempt(state, std::move(due), executor, group);
  co_await net::co_spawn(group->strand, wait_for(group), net::use_awaitable);
  report.succeeded = group->succeeded;
  report.failed = group->failed;
  co_return report;
}

}  // namespace portico::events
