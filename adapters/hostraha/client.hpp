#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "portico/core/clock.hpp"
#include "portico/core/ports/ports.hpp"
#include "portico/core/secret.hpp"
#include "portico/http/client.hpp"

#include "hostraha/php_form.hpp"

// The Domains Reseller wire client: signs each call, sends it, and reads the answer as the
// vendor's own client does: the JSON body decides, whatever the HTTP status
// (docs/upstreams/hostraha.md, "Answers").
namespace portico::adapters::hostraha {

// Whether a POST changes anything at the supplier. A few POST actions only read (lookup, sync,
// transfersync): an unreadable answer to them leaves nothing to reconcile.
enum class Effect { read, write };

struct Credentials {
  std::string username;  // the reseller account's e-mail
  core::Secret api_key;
};

class Client {
 public:
  // `base_path` is the endpoint's path up to and including index.php ("" or "/.../index.php");
  // actions are appended after a "/" as PATH_INFO. `http` and `clock` must outlive the client.
  Client(http::Client& http, const core::Clock& clock, Credentials credentials,
         std::string base_path);

  // GET with no parameters at all (the domain is in the action path).
  core::Async<rapidjson::Document> get(std::string action);
  // POST of the form, application/x-www-form-urlencoded. For a write, an answer that cannot
  // be read is an error with outcome_unknown set.
  core::Async<rapidjson::Document> post(std::string action, const PhpForm& form,
                                        Effect effect = Effect::write);

 private:
  core::Async<rapidjson::Document> send(std::string method, std::string action, std::string body,
                                        Effect effect);
  // The token of the current hour, computed once per hour rather than once per call.
  std::string current_token();

  http::Client& http_;
  const core::Clock& clock_;
  Credentials credentials_;
  std::string base_path_;
  struct HourToken {
    std::mutex mutex;             // calls run on any network thread
    std::chrono::hours hour{-1};  // since the epoch
    std::string token;
  };
  std::unique_ptr<HourToken> token_ = std::make_unique<HourToken>();  // the client moves
};

}  // namespace portico::adapters::hostraha
