#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "portico/core/clock.hpp"
#include "portico/core/crypto.hpp"
#include "portico/core/json.hpp"
#include "portico/core/random.hpp"
#include "portico/http/client.hpp"
#include "portico/sim/server.hpp"

#include "adapters/adapter_test_support.hpp"
#include "geniusplugin/sim/simulator.hpp"
#include "support/http.hpp"

namespace portico {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using sim::geniusplugin::PackageRecord;
using sim::geniusplugin::Simulator;
using sim::geniusplugin::SimulatorOptions;
using testing::HttpReply;
using Fields = std::vector<std::pair<std::string, std::string>>;
using Headers = std::vector<std::pair<std::string, std::string>>;

// The contract's known answers (docs/upstreams/geniusplugin.md; research/verify/vectors.php).
constexpr const char* kApiKey = "MYAPIKEY";
constexpr const char* kInnerSha1 = "323069884568155a2526127ac2c3a5c81ffc2efa";
constexpr const char* kVectorDomain = "example.com";
constexpr const char* kVectorTimestamp = "0511700050";
constexpr const char* kVectorHash = "45d1250c309c63a86c493ad5c591ecf315cedf39";
constexpr const char* kVectorPassword = "P@ssw0rd!";
constexpr const char* kVectorBlob =
    "AAECAwQFBgcICQoLDA0OD5OfAVQxhXWjv3tINlHIuhi+LrzkB86irFYs/Gk1Yh7PH1RDmQBbVPcmfcL63dzNAw==";
constexpr const char* kLongKey = "0123456789abcdefXYZ";
constexpr const char* kLongKeyBlob =
    "AAECAwQFBgcICQoLDA0OD13mv7D5v9KIB/jLoUkaiiZSi5RyMuzeVjrK0LhkXY9bjN4gafasu/1s/Q6YbdusdQ==";

constexpr const char* kDomain = "shop.example.co.ke";
constexpr const char* kEmail = "owner@example.co.ke";
constexpr const char* kPassword = "Str0ngPassw0rd";

core::TimePoint at_utc(const char* rfc3339) {
  return *core::parse_rfc3339(rfc3339);
}

std::string sha1_hex(std::string_view text) {
  return core::crypto::hex(core::crypto::sha1(text));
}

// The documented hash, for keys without surrounding white space.
std::string sign(std::string_view api_key, std::string_view domain, std::string_view timestamp) {
  return sha1_hex(sha1_hex(api_key) + std::string(domain) + std::string(timestamp));
}

std::string iv_bytes() {
  std::string iv;
  for (char i = 0; i < 16; ++i)
    iv += i;
  return iv;
}

// gpfPassEncrypt as the vendor's PHP does it, with a given IV.
std::string gpf_encrypt(std::string_view key, std::string_view password,
                        const std::string& iv = iv_bytes()) {
  std::string aes_key(key.substr(0, 16));
  aes_key.resize(16, '\0');
  const std::string ciphertext = *core::crypto::aes_cbc_encrypt(aes_key, iv, password);
  return core::crypto::base64(iv + core::crypto::hmac_sha256(key, ciphertext) + ciphertext);
}

// As PHP's http_build_query: RFC 1738, everything outside [A-Za-z0-9-_.] escaped, space "+".
std::string encode(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[byte >> 4U];
      out += kHex[byte & 15U];
    }
  }
  return out;
}

std::string form(const Fields& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += encode(name) + "=" + encode(value);
  }
  return body;
}

std::string multipart(const Fields& fields, const std::string& boundary) {
  std::string body;
  for (const auto& [name, value] : fields) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
            value + "\r\n";
  }
  return body + "--" + boundary + "--\r\n";
}

Fields without(Fields fields, const std::string& name) {
  std::erase_if(fields, [&](const auto& field) { return field.first == name; });
  return fields;
}

Fields with(Fields fields, const std::string& name, const std::string& value) {
  fields = without(std::move(fields), name);
  fields.emplace_back(name, value);
  return fields;
}

std::string status_of(const HttpReply& reply) {
  const rapidjson::Document document = reply.json();
  if (!document.IsObject() || !document.HasMember("status") || !document["status"].IsString()) {
    return "<no status: " + reply.body + ">";
  }
  return document["status"].GetString();
}

class GeniusPluginSimTest : public ::testing::Test {
 protected:
  GeniusPluginSimTest() { start({}); }

  // Restarts the simulator with options changed by `adjust`.
  void start(const std::function<void(SimulatorOptions&)>& adjust) {
    server_.reset();
    SimulatorOptions options;
    options.api_key = kApiKey;
    options.clock = &clock_;
    options.random = &random_;
    if (adjust) adjust(options);
    api_key_ = options.api_key;
    simulator_ = std::make_unique<Simulator>(options);
    server_ = std::make_unique<sim::Server>(sim::ServerOptions{.name = "geniusplugin"});
    simulator_->install(*server_);
    server_->start();
  }

  // str_shuffle(time()): a new permutation of the clock's digits on every call, so that no
  // two requests share a hash.
  std::string timestamp() {
    const std::string digits = std::to_string(core::unix_seconds(clock_.now()));
    if (permutation_.empty() || sorted(permutation_) != sorted(digits)) {
      permutation_ = sorted(digits);
    }
    if (!std::next_permutation(permutation_.begin(), permutation_.end())) {
      std::sort(permutation_.begin(), permutation_.end());
    }
    return permutation_;
  }
  static std::string sorted(std::string text) {
    std::sort(text.begin(), text.end());
    return text;
  }

  // domain, timestamp and hash, then the operation's fields.
  Fields signed_fields(const Fields& extra = {}, const std::string& domain = kDomain) {
    const std::string stamp = timestamp();
    Fields fields = {
        {"domain", domain}, {"timestamp", stamp}, {"hash", sign(api_key_, domain, stamp)}};
    fields.insert(fields.end(), extra.begin(), extra.end());
    return fields;
  }

  HttpReply request(const std::string& method, const std::string& target, const Headers& headers,
                    const std::string& body = {}) {
    return testing::http_request(server_->port(), method, target, headers, body);
  }
  HttpReply post_raw(const std::string& endpoint, const std::string& body,
                     const std::string& content_type = "application/x-www-form-urlencoded") {
    return request("POST", "/api/v1/" + endpoint + "/", {{"Content-Type", content_type}}, body);
  }
  HttpReply post(const std::string& endpoint, const Fields& fields) {
    return post_raw(endpoint, form(fields));
  }
  // A signed call; its JSON status.
  std::string call(const std::string& endpoint, const Fields& extra = {},
                   const std::string& domain = kDomain) {
    const HttpReply reply = post(endpoint, signed_fields(extra, domain));
    EXPECT_EQ(reply.status, 200) << reply.body;
    return status_of(reply);
  }

  std::string encrypted(std::string_view password) {
    std::string iv(16, '\0');
    random_.fill(std::span(reinterpret_cast<std::uint8_t*>(iv.data()), iv.size()));
    return gpf_encrypt(api_key_, password, iv);
  }
  Fields order(const std::string& plan = "100k", const std::string& password = kPassword) {
    return {{"package", plan}, {"password", encrypted(password)}, {"uemail", kEmail}};
  }
  void create(const std::string& plan = "100k", const std::string& domain = kDomain) {
    ASSERT_EQ(call("autoregister", order(plan), domain), "ok");
  }

  // A call to the simulator on a client bound to `source`.
  HttpReply call_from(const std::string& source) {
    http::ClientOptions options;
    options.scheme = "http";
    options.host = "127.0.0.1";
    options.port = server_->port();
    options.source_address = source;
    options.timeout = 5s;
    http::Client client(io_.get_executor(), options);
    http::Request request{"POST",
                          "/api/v1/connection/",
                          {{"Content-Type", "application/x-www-form-urlencoded"}},
                          form(signed_fields())};
    auto result = test::run(io_, client.send(std::move(request)));
    EXPECT_TRUE(result.ok()) << result.error().code;
    if (!result.ok()) return {};
    return HttpReply{result->status, {}, result->body, true};
  }

  core::ManualClock clock_{at_utc("2024-05-01T12:00:00Z")};
  core::SeededRandom random_{42};
  asio::io_context io_;
  std::string api_key_;
  std::string permutation_;
  std::unique_ptr<Simulator> simulator_;
  std::unique_ptr<sim::Server> server_;
};

// ---- authentication -------------------------------------------------------------------------

TEST_F(GeniusPluginSimTest, KnownHashWithLeadingZeroTimestampIsAccepted) {
  ASSERT_EQ(sha1_hex(kApiKey), kInnerSha1);
  ASSERT_EQ(sign(kApiKey, kVectorDomain, kVectorTimestamp), kVectorHash);

  const HttpReply reply =
      post("connection",
           {{"domain", kVectorDomain}, {"timestamp", kVectorTimestamp}, {"hash", kVectorHash}});

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"status":"ok"})");
  EXPECT_EQ(reply.header("content-type"), "application/json");
  EXPECT_EQ(simulator_->calls("connection"), 1U);
}

TEST_F(GeniusPluginSimTest, KeyIsTrimmedWithPhpWhitespace) {
  start([](SimulatorOptions& options) {
    options.api_key = std::string(" \t\n\r\0\x0BMYAPIKEY\n", 15);
  });
  EXPECT_EQ(status_of(post("connection", {{"domain", kVectorDomain},
                                          {"timestamp", kVectorTimestamp},
                                          {"hash", kVectorHash}})),
            "ok");
}

TEST_F(GeniusPluginSimTest, BadHashesAreRefusedAndNotCounted) {
  const std::string stamp = timestamp();
  const std::string good = sign(kApiKey, kDomain, stamp);
  std::string upper = good;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 32) : c; });
  const Fields base = {{"domain", kDomain}, {"timestamp", stamp}};
  for (const std::string& hash :
       {sign("OTHERKEY", kDomain, stamp), sign(kApiKey, "other.example", stamp),
        sign(kApiKey, kDomain, timestamp()), upper, good.substr(0, 39),
        core::crypto::hex(core::crypto::sha1(sha1_hex(kApiKey) + kDomain + stamp)) + "0",
        sha1_hex(std::string(kApiKey) + kDomain + stamp)}) {
    EXPECT_EQ(status_of(post("connection", with(base, "hash", hash))), "Invalid hash") << hash;
  }
  EXPECT_EQ(status_of(post("connection", with(base, "hash", good))), "ok");
  EXPECT_EQ(simulator_->calls("connection"), 1U);
}

TEST_F(GeniusPluginSimTest, TimestampMustBeTenDigits) {
  for (const std::string stamp :
       {"171456480", "17145648000", "17145648O0", "+714564800", " 1714564800", "1714564800 "}) {
    Fields fields = {
        {"domain", kDomain}, {"timestamp", stamp}, {"hash", sign(kApiKey, kDomain, stamp)}};
    EXPECT_EQ(status_of(post("connection", fields)), "Invalid timestamp") << stamp;
  }
  // Off by default: any ten digits pass (the real server's check is unknown).
  EXPECT_EQ(status_of(post("connection", {{"domain", kDomain},
                                          {"timestamp", "0000000000"},
                                          {"hash", sign(kApiKey, kDomain, "0000000000")}})),
            "ok");
}

TEST_F(GeniusPluginSimTest, MissingFieldsAreNamedInOrder) {
  EXPECT_EQ(status_of(post_raw("connection", "")), "Request Missing data!");
  const Fields fields = signed_fields();
  EXPECT_EQ(status_of(post("connection", without(fields, "domain"))),
            "Request Missing data! domain");
  EXPECT_EQ(status_of(post("connection", without(fields, "hash"))), "Request Missing data! hash");
  EXPECT_EQ(status_of(post("connection", without(fields, "timestamp"))),
            "Request Missing data! timestamp");
  EXPECT_EQ(status_of(post("connection", with(fields, "hash", ""))), "Request Missing data! hash");
  // An array is not a value.
  EXPECT_EQ(status_of(post_raw("connection", "domain[]=a&hash=b&timestamp=1714564800")),
            "Request Missing data! domain");
  EXPECT_EQ(status_of(post("connection", {{"domain", kDomain}})), "Request Missing data! hash");
  // The operation's own fields too.
  EXPECT_EQ(call("autoregister", without(order(), "uemail")), "Request Missing data! uemail");
  EXPECT_EQ(call("autoregister", without(order(), "package")), "Request Missing data! package");
  EXPECT_EQ(call("packageupdate", {{"package", "200k"}}), "Request Missing data! status");
  EXPECT_EQ(call("packageupdate", {{"status", "active"}}), "Request Missing data! package");
  EXPECT_EQ(simulator_->calls("connection"), 0U);
  EXPECT_TRUE(simulator_->packages().empty());
}

TEST_F(GeniusPluginSimTest, CallsFromAnotherAddressAreRefused) {
  EXPECT_EQ(status_of(call_from("127.0.0.2")), "Unauthorized IP address");
  EXPECT_EQ(status_of(call_from("127.0.0.1")), "ok");

  simulator_->set_allowed_address("127.0.0.2");
  EXPECT_EQ(status_of(call_from("127.0.0.2")), "ok");
  const HttpReply refused = call_from("127.0.0.1");
  EXPECT_EQ(refused.status, 200);
  EXPECT_EQ(status_of(refused), "Unauthorized IP address");
  // The address is checked before the body is read.
  EXPECT_EQ(status_of(post_raw("connection", "")), "Unauthorized IP address");
  EXPECT_EQ(simulator_->calls("connection"), 2U);
}

TEST_F(GeniusPluginSimTest, AllowedAddressControlRoute) {
  const HttpReply set =
      request("POST", "/__sim/geniusplugin/allowed_address", {}, R"({"address":"127.0.0.2"})");
  EXPECT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(status_of(call_from("127.0.0.1")), "Unauthorized IP address");
  EXPECT_EQ(status_of(call_from("127.0.0.2")), "ok");

  EXPECT_EQ(
      request("POST", "/__sim/geniusplugin/allowed_address", {}, R"({"address":"nope"})").status,
      400);
  EXPECT_EQ(request("POST", "/__sim/geniusplugin/allowed_address", {}, R"({})").status, 400);
  EXPECT_EQ(request("POST", "/__sim/geniusplugin/allowed_address", {}, "not json").status, 400);
  EXPECT_EQ(status_of(call_from("127.0.0.2")), "ok");
}

TEST_F(GeniusPluginSimTest, TimestampDigitsCheckWhenEnabled) {
  start([](SimulatorOptions& options) { options.check_timestamp_digits = true; });
  const std::int64_t now = core::unix_seconds(clock_.now());
  const auto shuffled = [](std::int64_t seconds) {
    std::string digits = std::to_string(seconds);
    std::reverse(digits.begin(), digits.end());
    return digits;
  };
  const auto attempt = [&](const std::string& stamp) {
    return status_of(
        post("connection",
             {{"domain", kDomain}, {"timestamp", stamp}, {"hash", sign(kApiKey, kDomain, stamp)}}));
  };
  EXPECT_EQ(attempt(shuffled(now)), "ok");
  EXPECT_EQ(attempt(shuffled(now - 300)), "ok");
  EXPECT_EQ(attempt(shuffled(now + 300)), "ok");
  EXPECT_EQ(attempt(std::to_string(now)), "ok");
  EXPECT_EQ(attempt(shuffled(now - 86400)), "Invalid timestamp");
  EXPECT_EQ(attempt("0000000000"), "Invalid timestamp");
  clock_.advance(std::chrono::days(400));
  EXPECT_EQ(attempt(shuffled(now)), "Invalid timestamp");
}

TEST_F(GeniusPluginSimTest, ReplaysAreRefusedWhenEnabled) {
  const Fields fields = signed_fields();
  EXPECT_EQ(status_of(post("connection", fields)), "ok");
  EXPECT_EQ(status_of(post("connection", fields)), "ok");  // off by default

  start([](SimulatorOptions& options) { options.reject_replays = true; });
  EXPECT_EQ(status_of(post("connection", fields)), "ok");
  EXPECT_EQ(status_of(post("connection", fields)), "Request already used");
  EXPECT_EQ(call("connection"), "ok");  // a new timestamp is a new hash
  EXPECT_EQ(simulator_->calls("connection"), 2U);
}

// ---- transport ------------------------------------------------------------------------------

TEST_F(GeniusPluginSimTest, PathWithoutSlashIsRedirected) {
  for (const std::string method : {"POST", "GET"}) {
    const HttpReply reply = request(method, "/api/v1/autoregister",
                                    {{"Content-Type", "application/x-www-form-urlencoded"}},
                                    form(signed_fields(order())));
    EXPECT_EQ(reply.status, 301) << method;
    EXPECT_EQ(reply.header("location"), "/api/v1/autoregister/") << method;
  }
  EXPECT_TRUE(simulator_->packages().empty());
  EXPECT_EQ(simulator_->calls("autoregister"), 0U);
}

TEST_F(GeniusPluginSimTest, OnlyPostIsServed) {
  for (const std::string method : {"GET", "PUT", "DELETE", "PATCH"}) {
    const HttpReply reply = request(method, "/api/v1/connection/", {});
    EXPECT_EQ(reply.status, 405) << method;
    EXPECT_EQ(reply.body, R"({"status":"Method Not Allowed"})") << method;
    EXPECT_EQ(reply.header("allow"), "POST") << method;
  }
  // The query string is never read: PHP's $_POST holds the body only.
  const std::string query = form(signed_fields());
  EXPECT_EQ(request("GET", "/api/v1/connection/?" + query, {}).status, 405);
  EXPECT_EQ(status_of(post_raw("connection/?" + query, "")), "Request Missing data!");
  EXPECT_EQ(simulator_->calls("connection"), 0U);
}

TEST_F(GeniusPluginSimTest, UnknownEndpointIsNotFound) {
  for (const std::string endpoint : {"suspend", "unsuspend", "LIST"}) {
    const HttpReply reply = post(endpoint, signed_fields());
    EXPECT_EQ(reply.status, 404) << endpoint;
    EXPECT_EQ(reply.body, R"({"status":"Invalid endpoint"})") << endpoint;
  }
  EXPECT_EQ(request("POST", "/api/v1/suspend", {}).status, 404);
}

TEST_F(GeniusPluginSimTest, JsonBodyReadsAsNoFields) {
  std::string json = "{";
  for (const auto& [name, value] : signed_fields()) {
    json += (json.size() > 1 ? ",\"" : "\"") + name + "\":\"" + value + "\"";
  }
  json += "}";
  EXPECT_EQ(status_of(post_raw("connection", json, "application/json")), "Request Missing data!");
  // A form body under another content type is not $_POST either.
  EXPECT_EQ(status_of(post_raw("connection", form(signed_fields()), "text/plain")),
            "Request Missing data!");
  EXPECT_EQ(status_of(post_raw("connection", form(signed_fields()),
                               "application/x-www-form-urlencoded; charset=UTF-8")),
            "ok");
}

TEST_F(GeniusPluginSimTest, MultipartBodyIsAccepted) {
  const std::string boundary = "----portico7MA4YWxkTrZu0gW";
  const HttpReply reply = post_raw("autoregister", multipart(signed_fields(order("40k")), boundary),
                                   "multipart/form-data; boundary=" + boundary);
  EXPECT_EQ(status_of(reply), "ok") << reply.body;
  const auto package = simulator_->package(kDomain);
  ASSERT_TRUE(package.has_value());
  EXPECT_EQ(package->package, "40k");
  EXPECT_EQ(package->password, kPassword);
  EXPECT_EQ(package->email, kEmail);

  // A quoted boundary, and no CRLF after the closing delimiter.
  std::string body = multipart(signed_fields({}, "other.example"), "b");
  body.resize(body.size() - 2);
  EXPECT_EQ(status_of(post_raw("list", body, "multipart/form-data; boundary=\"b\"")),
            "Package not Found!");
}

TEST_F(GeniusPluginSimTest, MultipartFilePartIsNotAField) {
  const Fields fields = signed_fields();
  std::string body = multipart(without(fields, "hash"), "xyz");
  body.resize(body.size() - std::string("--xyz--\r\n").size());
  body +=
      "--xyz\r\nContent-Disposition: form-data; name=\"hash\"; filename=\"hash.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\n" +
      fields[2].second + "\r\n--xyz--\r\n";
  EXPECT_EQ(status_of(post_raw("connection", body, "multipart/form-data; boundary=xyz")),
            "Request Missing data! hash");
  // Without a boundary nothing can be read.
  EXPECT_EQ(status_of(post_raw("connection", multipart(fields, "xyz"), "multipart/form-data")),
            "Request Missing data!");
}

// ---- passwords ------------------------------------------------------------------------------

TEST_F(GeniusPluginSimTest, TestEncryptionReproducesTheKnownVectors) {
  EXPECT_EQ(gpf_encrypt(kApiKey, kVectorPassword), kVectorBlob);
  EXPECT_EQ(gpf_encrypt(kLongKey, kVectorPassword), kLongKeyBlob);
}

TEST_F(GeniusPluginSimTest, KnownVectorDecryptsWithShortKey) {
  ASSERT_EQ(
      call("autoregister", {{"package", "10k"}, {"password", kVectorBlob}, {"uemail", kEmail}}),
      "ok");
  EXPECT_EQ(simulator_->package(kDomain)->password, kVectorPassword);
}

TEST_F(GeniusPluginSimTest, KnownVectorDecryptsWithLongKey) {
  start([](SimulatorOptions& options) { options.api_key = kLongKey; });
  const std::string stamp = timestamp();
  const HttpReply reply = post("autoregister", {{"domain", kDomain},
                                                {"timestamp", stamp},
                                                {"hash", sign(kLongKey, kDomain, stamp)},
                                                {"package", "10k"},
                                                {"password", kLongKeyBlob},
                                                {"uemail", kEmail}});
  ASSERT_EQ(status_of(reply), "ok");
  EXPECT_EQ(simulator_->package(kDomain)->password, kVectorPassword);
  // The blob made with the other key is not this key's.
  EXPECT_EQ(
      call("autoregister", {{"package", "10k"}, {"password", kVectorBlob}, {"uemail", kEmail}},
           "other.example"),
      "Invalid Password");
}

TEST_F(GeniusPluginSimTest, DamagedPasswordBlobsAreInvalid) {
  const std::string good = kVectorBlob;
  std::string bytes = *core::crypto::from_base64(good);
  std::string tampered_mac = bytes;
  tampered_mac[20] = static_cast<char>(tampered_mac[20] ^ 1);
  std::string tampered_ciphertext = bytes;
  tampered_ciphertext.back() = static_cast<char>(tampered_ciphertext.back() ^ 1);
  const std::vector<std::string> blobs = {
      core::crypto::base64(tampered_mac),
      core::crypto::base64(tampered_ciphertext),
      core::crypto::base64(bytes.substr(0, 48)),
      core::crypto::base64(bytes.substr(0, bytes.size() - 1)),
      good.substr(0, good.size() - 4),
      "not base64 at all!",
      good + "%",
      gpf_encrypt("WRONGKEY", kVectorPassword),
  };
  for (const std::string& blob : blobs) {
    EXPECT_EQ(call("autoregister", {{"package", "10k"}, {"password", blob}, {"uemail", kEmail}}),
              "Invalid Password")
        << blob;
  }
  // A "+" sent unescaped is a space to PHP.
  const Fields fields = signed_fields({{"package", "10k"}, {"uemail", kEmail}});
  ASSERT_NE(good.find('+'), std::string::npos);
  EXPECT_EQ(status_of(post_raw("autoregister", form(fields) + "&password=" + good)),
            "Invalid Password");
  EXPECT_TRUE(simulator_->packages().empty());
  EXPECT_EQ(simulator_->credit_cents(), 100000);
}

TEST_F(GeniusPluginSimTest, MissingAndWeakPasswordsAreRefused) {
  EXPECT_EQ(call("autoregister", without(order(), "password")), "Missing Password");
  EXPECT_EQ(call("autoregister", with(order(), "password", "")), "Missing Password");
  for (const std::string weak : {"Sh0rt", "alllowercase1", "ALLUPPERCASE1", "NoDigitsHere", ""}) {
    EXPECT_EQ(call("autoregister", order("10k", weak)), "Weak password") << weak;
  }
  EXPECT_TRUE(simulator_->packages().empty());
}

TEST_F(GeniusPluginSimTest, PasswordKeyCanBeTheKeysSha1) {
  start([](SimulatorOptions& options) { options.password_key = "api_key_sha1"; });
  EXPECT_EQ(call("autoregister", {{"package", "10k"},
                                  {"password", gpf_encrypt(kInnerSha1, kPassword)},
                                  {"uemail", kEmail}}),
            "ok");
  EXPECT_EQ(simulator_->package(kDomain)->password, kPassword);
  EXPECT_EQ(
      call("autoregister",
           {{"package", "10k"}, {"password", gpf_encrypt(kApiKey, kPassword)}, {"uemail", kEmail}},
           "other.example"),
      "Invalid Password");
}

// ---- operations -----------------------------------------------------------------------------

TEST_F(GeniusPluginSimTest, GetcreditPrintsTheBalance) {
  EXPECT_EQ(call("getcredit", {}, "example.com"), "OK - 1000.00");
  simulator_->set_credit_cents(150026);
  EXPECT_EQ(call("getcredit", {}, "example.com"), "OK - 1500.26");
  simulator_->set_credit_cents(5);
  EXPECT_EQ(call("getcredit"), "OK - 0.05");
  simulator_->set_credit_cents(0);
  EXPECT_EQ(call("getcredit"), "OK - 0.00");
  EXPECT_EQ(simulator_->calls("getcredit"), 4U);
}

TEST_F(GeniusPluginSimTest, AutoregisterCreatesAnActivePackage) {
  const HttpReply reply = post("autoregister", signed_fields(order("100k")));
  ASSERT_EQ(status_of(reply), "ok") << reply.body;
  const rapidjson::Document answer = reply.json();
  ASSERT_TRUE(answer.HasMember("token") && answer["token"].IsString());
  const std::string token = answer["token"].GetString();
  EXPECT_EQ(token.size(), 40U);
  EXPECT_EQ(
      token.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
      std::string::npos);
  EXPECT_EQ(answer.MemberCount(), 2U);

  const auto package = simulator_->package(kDomain);
  ASSERT_TRUE(package.has_value());
  EXPECT_EQ(package->domain, kDomain);
  EXPECT_EQ(package->package, "100k");
  EXPECT_EQ(package->status, "active");
  EXPECT_EQ(package->email, kEmail);
  EXPECT_EQ(package->password, kPassword);
  EXPECT_EQ(package->token, token);
  EXPECT_EQ(package->expires_at, at_utc("2025-05-01T12:00:00Z"));
  EXPECT_EQ(package->renewals, 0);
  EXPECT_EQ(simulator_->credit_cents(), 100000 - 2900);

  const HttpReply listed = post("list", signed_fields());
  EXPECT_EQ(listed.body, R"({"status":"active","exist":"exists","package":"100k"})");
  EXPECT_EQ(simulator_->calls("autoregister"), 1U);
  EXPECT_EQ(simulator_->calls("list"), 1U);
}

TEST_F(GeniusPluginSimTest, EveryPlanHasItsPrice) {
  const std::vector<std::pair<std::string, std::int64_t>> prices = {
      {"Free", 0}, {"10k", 500}, {"20k", 900}, {"40k", 1500}, {"100k", 2900}, {"200k", 4900}};
  for (const auto& [plan, price] : prices) {
    const std::int64_t before = simulator_->credit_cents();
    create(plan, plan + ".example.com");
    EXPECT_EQ(before - simulator_->credit_cents(), price) << plan;
  }
  EXPECT_EQ(simulator_->packages().size(), 6U);
}

TEST_F(GeniusPluginSimTest, ListLeavesThePlanOutWhenConfigured) {
  start([](SimulatorOptions& options) { options.list_includes_package = false; });
  create();
  EXPECT_EQ(post("list", signed_fields()).body, R"({"status":"active","exist":"exists"})");
}

TEST_F(GeniusPluginSimTest, ListOfUnknownPackageIsNotFound) {
  EXPECT_EQ(post("list", signed_fields()).body, R"({"status":"Package not Found!"})");
}

TEST_F(GeniusPluginSimTest, AutoregisterRefusals) {
  for (const std::string plan : {"100K", "free", "500k", "Free "}) {
    EXPECT_EQ(call("autoregister", order(plan)), "Invalid package name") << plan;
  }
  create("10k");
  const std::int64_t after_create = simulator_->credit_cents();
  EXPECT_EQ(call("autoregister", order("200k")), "Package already exists");
  EXPECT_EQ(simulator_->package(kDomain)->package, "10k");
  EXPECT_EQ(simulator_->credit_cents(), after_create);
}

TEST_F(GeniusPluginSimTest, AutoregisterNeedsCredit) {
  simulator_->set_credit_cents(2899);
  EXPECT_EQ(call("autoregister", order("100k")), "Insufficient credit");
  EXPECT_EQ(simulator_->credit_cents(), 2899);
  EXPECT_FALSE(simulator_->package(kDomain).has_value());
  // A free plan needs none.
  simulator_->set_credit_cents(0);
  create("Free");
  EXPECT_EQ(simulator_->credit_cents(), 0);
  // Exactly the price is enough.
  simulator_->set_credit_cents(2900);
  create("100k", "exact.example.com");
  EXPECT_EQ(simulator_->credit_cents(), 0);
}

TEST_F(GeniusPluginSimTest, SuspendAndActivate) {
  EXPECT_EQ(call("suspended"), "Package not Found!");
  EXPECT_EQ(call("active"), "Package not found!");
  create();
  EXPECT_EQ(call("suspended"), "ok");
  EXPECT_EQ(simulator_->package(kDomain)->status, "suspended");
  EXPECT_EQ(post("list", signed_fields()).body,
            R"({"status":"suspended","exist":"exists","package":"100k"})");
  EXPECT_EQ(call("suspended"), "ok");
  EXPECT_EQ(simulator_->package(kDomain)->status, "suspended");
  EXPECT_EQ(call("active"), "ok");
  EXPECT_EQ(simulator_->package(kDomain)->status, "active");
  EXPECT_EQ(call("active"), "ok");
  EXPECT_EQ(simulator_->package(kDomain)->status, "active");
}

TEST_F(GeniusPluginSimTest, DeleteRemovesThePackage) {
  EXPECT_EQ(call("delete"), "Package not found!");
  create();
  create("10k", "kept.example.com");
  EXPECT_EQ(call("delete"), "ok");
  EXPECT_FALSE(simulator_->package(kDomain).has_value());
  EXPECT_EQ(call("list"), "Package not Found!");
  EXPECT_EQ(call("delete"), "Package not found!");
  EXPECT_EQ(call("list", {}, "kept.example.com"), "active");
  EXPECT_EQ(simulator_->packages().size(), 1U);
  // The domain can be ordered again.
  create("20k");
  EXPECT_EQ(simulator_->package(kDomain)->package, "20k");
}

TEST_F(GeniusPluginSimTest, PackageupdateUpgradesOnly) {
  EXPECT_EQ(call("packageupdate", {{"status", "active"}, {"package", "200k"}}),
            "Package not found!");
  create("40k");
  const std::int64_t credit = simulator_->credit_cents();
  EXPECT_EQ(call("packageupdate", {{"status", "active"}, {"package", "40k"}}), "ok");
  EXPECT_EQ(call("packageupdate", {{"status", "active"}, {"package", "100k"}}), "ok");
  EXPECT_EQ(simulator_->package(kDomain)->package, "100k");
  EXPECT_EQ(call("packageupdate", {{"status", "active"}, {"package", "20k"}}),
            "Downgrade not allowed.");
  EXPECT_EQ(call("packageupdate", {{"status", "active"}, {"package", "Free"}}),
            "Downgrade not allowed.");
  EXPECT_EQ(call("packageupdate", {{"status", "active"}, {"package", "300k"}}),
            "Invalid package name");
  EXPECT_EQ(call("packageupdate", {{"status", "paused"}, {"package", "200k"}}), "Invalid status");
  EXPECT_EQ(simulator_->package(kDomain)->package, "100k");
  EXPECT_EQ(simulator_->credit_cents(), credit);

  ASSERT_EQ(call("suspended"), "ok");
  EXPECT_EQ(call("packageupdate", {{"status", "active"}, {"package", "200k"}}),
            "Package is suspended. Please unsuspend it to continue.");
  EXPECT_EQ(call("packageupdate", {{"status", "suspended"}, {"package", "200k"}}),
            "Package is suspended. Please unsuspend it to continue.");
  EXPECT_EQ(simulator_->package(kDomain)->package, "100k");
  ASSERT_EQ(call("active"), "ok");
  EXPECT_EQ(call("packageupdate", {{"status", "active"}, {"package", "200k"}}), "ok");
  EXPECT_EQ(simulator_->package(kDomain)->package, "200k");
  EXPECT_EQ(simulator_->credit_cents(), credit);
}

TEST_F(GeniusPluginSimTest, PasswordresetChangesThePassword) {
  EXPECT_EQ(call("passwordreset", {{"password", encrypted("N3wPassword")}}), "Package not found!");
  create();
  EXPECT_EQ(call("passwordreset", {{"password", encrypted("N3wPassword")}}), "ok");
  EXPECT_EQ(simulator_->package(kDomain)->password, "N3wPassword");
  EXPECT_EQ(call("passwordreset", {{"password", "garbage"}}), "Invalid Password");
  EXPECT_EQ(call("passwordreset", {{"password", encrypted("weakpass")}}), "Weak password");
  EXPECT_EQ(call("passwordreset"), "Missing Password");
  EXPECT_EQ(simulator_->package(kDomain)->password, "N3wPassword");

  ASSERT_EQ(call("suspended"), "ok");
  EXPECT_EQ(call("passwordreset", {{"password", encrypted("Th1rdPassword")}}),
            "Error changing password. No active package found!");
  EXPECT_EQ(simulator_->package(kDomain)->password, "N3wPassword");
}

TEST_F(GeniusPluginSimTest, RenewAddsAYearAndDebits) {
  EXPECT_EQ(call("renew"), "Package not found!");
  create("20k");
  const std::int64_t credit = simulator_->credit_cents();
  clock_.advance(std::chrono::days(200));
  EXPECT_EQ(call("renew"), "ok");
  auto package = simulator_->package(kDomain);
  EXPECT_EQ(package->expires_at, at_utc("2026-05-01T12:00:00Z"));
  EXPECT_EQ(package->renewals, 1);
  EXPECT_EQ(simulator_->credit_cents(), credit - 900);
  EXPECT_EQ(call("renew"), "ok");
  EXPECT_EQ(simulator_->package(kDomain)->expires_at, at_utc("2027-05-01T12:00:00Z"));
  EXPECT_EQ(simulator_->credit_cents(), credit - 1800);
}

TEST_F(GeniusPluginSimTest, RenewRefusals) {
  create("200k");
  simulator_->set_credit_cents(4899);
  EXPECT_EQ(call("renew"), "Insufficient credit");
  EXPECT_EQ(simulator_->credit_cents(), 4899);
  EXPECT_EQ(simulator_->package(kDomain)->renewals, 0);
  EXPECT_EQ(simulator_->package(kDomain)->expires_at, at_utc("2025-05-01T12:00:00Z"));

  simulator_->set_credit_cents(100000);
  ASSERT_EQ(call("suspended"), "ok");
  EXPECT_EQ(call("renew"), "Package is suspended. Please unsuspend it to continue.");
  EXPECT_EQ(simulator_->credit_cents(), 100000);
  EXPECT_EQ(simulator_->package(kDomain)->renewals, 0);
}

TEST_F(GeniusPluginSimTest, LeapDayExpiresOnTheLastDayOfFebruary) {
  clock_.set(at_utc("2024-02-29T08:30:00Z"));
  create();
  EXPECT_EQ(simulator_->package(kDomain)->expires_at, at_utc("2025-02-28T08:30:00Z"));
  ASSERT_EQ(call("renew"), "ok");
  ASSERT_EQ(call("renew"), "ok");
  ASSERT_EQ(call("renew"), "ok");
  EXPECT_EQ(simulator_->package(kDomain)->expires_at, at_utc("2028-02-29T08:30:00Z"));
}

// ---- control routes and construction ----------------------------------------------------------

TEST_F(GeniusPluginSimTest, PackagesControlRouteShowsTheDecryptedPassword) {
  create("10k", "b.example.com");
  create("40k", "a.example.com");
  ASSERT_EQ(call("suspended", {}, "b.example.com"), "ok");
  const HttpReply reply = request("GET", "/__sim/geniusplugin/packages", {});
  ASSERT_EQ(reply.status, 200);
  const rapidjson::Document list = reply.json();
  ASSERT_TRUE(list.IsArray());
  ASSERT_EQ(list.Size(), 2U);
  const auto& first = list[0];
  EXPECT_STREQ(first["domain"].GetString(), "a.example.com");
  EXPECT_STREQ(first["package"].GetString(), "40k");
  EXPECT_STREQ(first["status"].GetString(), "active");
  EXPECT_STREQ(first["email"].GetString(), kEmail);
  EXPECT_STREQ(first["password"].GetString(), kPassword);
  EXPECT_EQ(first["token"].GetString(), simulator_->package("a.example.com")->token);
  EXPECT_STREQ(first["expires_at"].GetString(), "2025-05-01T12:00:00Z");
  EXPECT_STREQ(list[1]["status"].GetString(), "suspended");
  // Control requests are not the API's: never journaled.
  const std::size_t journaled = server_->journal().size();
  request("GET", "/__sim/geniusplugin/packages", {});
  EXPECT_EQ(server_->journal().size(), journaled);
}

TEST_F(GeniusPluginSimTest, CreditControlRoute) {
  EXPECT_EQ(request("GET", "/__sim/geniusplugin/credit", {}).body, R"({"amount":"1000.00"})");
  for (const auto& [amount, cents] : std::vector<std::pair<std::string, std::int64_t>>{
           {"12.50", 1250}, {"12.5", 1250}, {"7", 700}, {"0", 0}, {"0.07", 7}}) {
    const HttpReply set =
        request("POST", "/__sim/geniusplugin/credit", {}, R"({"amount":")" + amount + "\"}");
    EXPECT_EQ(set.status, 200) << amount;
    EXPECT_EQ(simulator_->credit_cents(), cents) << amount;
  }
  simulator_->set_credit_cents(1250);
  EXPECT_EQ(request("GET", "/__sim/geniusplugin/credit", {}).body, R"({"amount":"12.50"})");
  EXPECT_EQ(call("getcredit"), "OK - 12.50");
  for (const std::string bad :
       {R"({"amount":"-1"})", R"({"amount":"1.234"})", R"({"amount":"1."})", R"({"amount":".5"})",
        R"({"amount":12})", R"({"amount":"1e3"})", R"({})", "[]", "nonsense"}) {
    EXPECT_EQ(request("POST", "/__sim/geniusplugin/credit", {}, bad).status, 400) << bad;
  }
  EXPECT_EQ(simulator_->credit_cents(), 1250);
}

TEST(GeniusPluginSimOptionsTest, BadOptionsThrow) {
  EXPECT_THROW(Simulator(SimulatorOptions{}), std::invalid_argument);
  EXPECT_THROW(Simulator(SimulatorOptions{.api_key = "k", .password_key = "sha1"}),
               std::invalid_argument);
  EXPECT_THROW(Simulator(SimulatorOptions{.api_key = "k", .credit_cents = -1}),
               std::invalid_argument);
  EXPECT_NO_THROW(Simulator(SimulatorOptions{.api_key = "k", .password_key = "api_key_sha1"}));
}

TEST(GeniusPluginSimInstallTest, CustomBasePath) {
  core::ManualClock clock(at_utc("2024-05-01T12:00:00Z"));
  Simulator simulator(SimulatorOptions{.api_key = kApiKey, .clock = &clock});
  sim::Server server(sim::ServerOptions{});
  simulator.install(server, "/gp/api/");
  server.start();
  const std::string body =
      "domain=example.com&timestamp=0511700050&hash=" + std::string(kVectorHash);
  const Headers headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  EXPECT_EQ(
      status_of(testing::http_request(server.port(), "POST", "/gp/api/connection/", headers, body)),
      "ok");
  EXPECT_EQ(
      testing::http_request(server.port(), "POST", "/api/v1/connection/", headers, body).status,
      404);
}

}  // namespace
}  // namespace portico
