#pragma once

#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "portico/core/clock.hpp"
#include "portico/core/ports/ports.hpp"
#include "portico/core/random.hpp"
#include "portico/core/secret.hpp"
#include "portico/http/client.hpp"

#include "geniusplugin/signer.hpp"

// GeniusPlugin's wire client (docs/upstreams/geniusplugin.md, "Transport" and
// "Authentication"): POST <base_path>/<endpoint>/ with a form body carrying domain, timestamp
// and hash, answered by HTTP 200 and a JSON object whose `status` is a string. The HTTP client
// it is given is bound to the instance's source address (adapters/registry.cpp): the key works
// from that address only.
namespace portico::adapters::geniusplugin {

// Whether a call can change something at the supplier and cost money (autoregister, renew):
// an answer to it that cannot be read leaves the outcome unknown.
enum class Effect { read, write };

struct Credentials {
  core::Secret api_key;
  PasswordKey password_key = PasswordKey::api_key;
};

// An answer that can be read: its `status` and the whole object (reads carry more fields).
struct Answer {
  std::string status;
  rapidjson::Document body;
};

class Client {
 public:
  // `base_path` is the endpoint's path ("/api/v1"). `http`, `clock` and `random` must outlive
  // the client.
  Client(http::Client& http, const core::Clock& clock, core::Random& random,
         Credentials credentials, std::string base_path);

  // One call, never retried, never following a redirect. `domain` is hashed and sent (the
  // package's, or kAccountDomain). Not HTTP 200 (a 3xx included), not a JSON object or no string
  // status: 502 upstream_bad_response (outcome unknown for a write). Transport errors are the
  // HTTP client's. Any readable answer comes back, whatever its status: callers interpret it.
  core::Async<Answer> call(std::string_view endpoint, std::string_view domain, FormFields fields,
                           Effect effect);

  // gpfPassEncrypt(key, password) with the configured key and a fresh IV from the random
  // source; the clear password goes nowhere else.
  std::string password_blob(std::string_view password) const;

 private:
  http::Client& http_;
  const core::Clock& clock_;
  core::Random& random_;
  Credentials credentials_;
  std::string base_path_;
};

}  // namespace portico::adapters::geniusplugin
