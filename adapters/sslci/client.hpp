#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "portico/core/model.hpp"
#include "portico/core/ports/ports.hpp"
#include "portico/core/secret.hpp"
#include "portico/http/client.hpp"

// The SSLCI wire client: every call goes to the one endpoint path, the HTTP method choosing
// the operation, JSON bodies, the token only in `Authorization: Bearer` (never in a URL or a
// body, where proxies and logs would keep it). Answers count as success only with
// {"status": true}; failures are classified as docs/upstreams/sslci.md says. No call is
// retried.
namespace portico::adapters::sslci {

// What DELETE removes: a pending order, or an issued certificate.
enum class RecordKind { order, ssl };

// The answer to a confirmation (PUT): passed, or the supplier's reason it did not (its 400).
struct Confirmation {
  bool verified = false;
  std::string reason;  // the supplier's words; empty when it gave none
};

class Client {
 public:
  // `base_path` is the endpoint's path ("/api"); "" means "/". `http` must outlive the client
  // and should redact the token (the registry adds every configured secret to it).
  Client(http::Client& http, core::Secret token, std::string base_path);

  // GET: the certificates and pending orders of the account.
  core::Async<rapidjson::Document> list();
  // POST {"domain","method"}: a new pending order with its challenge.
  core::Async<rapidjson::Document> challenge(std::string_view domain, core::DcvMethod method);
  // PUT {"domain","order_id","method"}: checks the challenge now. A 400 is a Confirmation with
  // the supplier's reason, not an error; repeating it is harmless, so transport failures never
  // leave an unknown outcome.
  core::Async<Confirmation> confirm(std::string_view domain, std::int64_t order_id,
                                    core::DcvMethod method);
  // POST {"action":"finalize","domains":[...]}: issues at once when every name is verified.
  core::Async<rapidjson::Document> finalize(const std::vector<std::string>& domains);
  // DELETE with the body {"type","id"} always sent.
  core::Async<rapidjson::Document> remove(RecordKind kind, std::int64_t id);

 private:
  struct Reply {
    int status = 0;
    std::string body;
  };

  // One exchange; transport errors as the HTTP client classifies them, with outcome_unknown
  // cleared for calls that change nothing (`write` false).
  core::Async<Reply> exchange(std::string method, std::string body, bool write);
  // The success document of a reply, or its classified failure.
  static core::Result<rapidjson::Document> classify(const Reply& reply, bool write);
  core::Async<rapidjson::Document> call(std::string method, std::string body, bool write);

  http::Client& http_;
  core::Secret token_;
  std::string path_;
};

}  // namespace portico::adapters::sslci
