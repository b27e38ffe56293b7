#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/process.hpp"

// Receivers of the gateway's webhook deliveries, all on 127.0.0.1: the seed's own verifiers
// (tests/e2e/receivers/, run by node, python3 and php) and a programmable one in process.
namespace portico::testing {

// The seed's verification snippets (normalized-api-gigaglobe.txt), one per language.
enum class Verifier { node, python, php };

const char* verifier_name(Verifier verifier);

// The interpreter that runs `verifier`'s receiver, or "" when it is not installed.
std::string verifier_runtime(Verifier verifier);

// One line of a verifier's log: a delivery its snippet accepted.
struct AcceptedDelivery {
  std::string delivery_id;  // X-GigaGlobe-Delivery
  std::string event_id;     // "id" of the JSON body
};

// A seed verifier serving as a webhook receiver: it answers 200 to a delivery its snippet
// accepts (and logs it), 400 when the snippet rejects it, 500 when the snippet throws. Killed
// when this object goes.
class VerifierReceiver {
 public:
  // Starts the receiver with this signing secret; throws std::runtime_error when it does not
  // come up (the runtime missing included: check verifier_runtime first).
  VerifierReceiver(Verifier verifier, const std::string& secret, std::string log_path);
  ~VerifierReceiver();
  VerifierReceiver(const VerifierReceiver&) = delete;
  VerifierReceiver& operator=(const VerifierReceiver&) = delete;

  Verifier verifier() const { return verifier_; }
  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/webhooks/gigaglobe") const;
  // What the snippet accepted so far, in order.
  std::vector<AcceptedDelivery> accepted() const;
  // Waits until at least `count` deliveries were accepted; false on timeout.
  bool wait_for_accepted(std::size_t count, std::chrono::milliseconds timeout) const;
  // The receiver's own output (stdout and stderr), for failure messages.
  std::string output() const;

 private:
  Verifier verifier_;
  std::string log_path_;
  std::uint16_t port_ = 0;
  std::unique_ptr<BackgroundProcess> process_;
};

// How the programmable receiver answers one request.
struct ScriptedReply {
  int status = 200;
  std::optional<std::string> retry_after;  // a Retry-After header, as written
  std::optional<std::string> location;     // a Location header (redirects)
  std::chrono::milliseconds delay{0};      // waited before answering
};

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lowercase names; a repeated one keeps the last
  std::string body;
  std::chrono::system_clock::time_point received_at;

  std::string header(const std::string& lowercase_name) const;
};

// A webhook receiver in process (Beast on 127.0.0.1, port 0, its own thread): records every
// request and answers the scripted replies in order, then the default one (200 unless told).
class ProgrammableReceiver {
 public:
  ProgrammableReceiver();
  ~ProgrammableReceiver();  // stops
  ProgrammableReceiver(const ProgrammableReceiver&) = delete;
  ProgrammableReceiver& operator=(const ProgrammableReceiver&) = delete;

  std::uint16_t port() const;
  std::string url(const std::string& path = "/hook") const;

  // The next requests get these replies, in order (after those still scripted).
  void script(std::vector<ScriptedReply> replies);
  // Every request after the scripted ones gets this.
  void answer_by_default(ScriptedReply reply);

  std::vector<ReceivedRequest> requests() const;
  std::size_t request_count() const;
  // Waits until at least `count` requests arrived; false on timeout.
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;

  void stop();  // closes the listener and every connection; idempotent

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace portico::testing
