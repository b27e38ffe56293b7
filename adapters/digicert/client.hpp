#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <rapidjson/document.h>

#include "portico/core/clock.hpp"
#include "portico/core/ports/ports.hpp"
#include "portico/core/secret.hpp"
#include "portico/http/client.hpp"

// The CertCentral Services API v2 wire client (docs/upstreams/digicert.md, "Transport"): the
// key in X-DC-DEVKEY, JSON both ways, 201/204 successes with empty bodies, errors as
// {"errors":[...]}, and a cool-down after a 429 shared by every call of the instance.
namespace portico::adapters::digicert {

// What a call does at the supplier, which decides whether the HTTP client may send it again
// after a failure (docs/upstreams/digicert.md, "Retries") and whether an answer that cannot be
// read leaves the outcome unknown.
enum class Effect {
  read,        // changes nothing: retried; nothing to reconcile
  idempotent,  // changes something, but sending it again changes nothing more: retried
  write,       // acts each time it is sent (order, reissue, revoke, cancel): never retried
};

// What the supplier answered, whatever its status.
struct Reply {
  int status = 0;
  std::string body;
};

// After a 429 the instance stays quiet for a while: calls fail fast instead of adding to the
// storm (the supplier documents no reset header). Thread-safe; time from the injected clock.
class CoolDown {
 public:
  CoolDown(const core::Clock& clock, std::chrono::seconds length)
      : clock_(clock), length_(length) {}

  // Starts (or extends) the quiet period from now.
  void start();
  // Whole seconds left, rounded up; nothing when calls may go out.
  std::optional<int> remaining() const;
  std::chrono::seconds length() const { return length_; }

 private:
  const core::Clock& clock_;
  const std::chrono::seconds length_;
  mutable std::mutex mutex_;
  std::optional<core::TimePoint> until_;
};

class Client {
 public:
  static constexpr std::chrono::seconds kCoolDown{5};

  // `base_path` is the endpoint's path ("/services/v2"); call paths are appended to it. `http`
  // and `clock` must outlive the client.
  Client(http::Client& http, const core::Clock& clock, core::Secret api_key, std::string base_path);

  // One call; any HTTP status comes back as a Reply except 429, which starts the cool-down
  // and is 503 upstream_rate_limited (so is every call during the cool-down, without
  // reaching the supplier). Transport errors are the HTTP client's.
  core::Async<Reply> send(std::string method, std::string path, std::string body, Effect effect);

  // A call that answers JSON: 2xx with a JSON body is the document, 2xx with an empty body
  // (204, some 201) a null document, never parsed; other statuses are normalized errors
  // (mapping.hpp error_from_reply). A 2xx body that is not JSON is upstream_bad_response,
  // with outcome_unknown for a write; a read's transport error never leaves it unknown.
  core::Async<rapidjson::Document> json(std::string method, std::string path, std::string body,
                                        Effect effect);
  // GET of a text resource (pem_all): the body of a 2xx as it is; errors as json()'s reads.
  core::Async<std::string> text(std::string path);

  const CoolDown& cool_down() const { return *cool_down_; }

 private:
  http::Client& http_;
  core::Secret api_key_;
  std::string base_path_;
  // Shared by copies of the client (the authority holds one): the cool-down is per instance.
  std::shared_ptr<CoolDown> cool_down_;
};

}  // namespace portico::adapters::digicert
