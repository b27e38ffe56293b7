#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace portico::sim {

class Server;

// The part of the internet a certificate supplier's simulator looks at when it checks domain
// control: files served over HTTP and DNS records. Tests (and the demo) publish tokens here
// to let validation pass; one world may be shared by several simulators. Thread-safe.
class DcvWorld {
 public:
  // `url` as a supplier fetches it, e.g. "http://example.com/.well-known/acme-challenge/x".
  void publish_file(const std::string& url, const std::string& content);
  // `name` fully qualified without a trailing dot (case-insensitive); `type` "TXT" or "CNAME".
  // A name may hold several TXT values.
  void publish_record(const std::string& name, const std::string& type, const std::string& value);
  void clear();

  std::optional<std::string> file(const std::string& url) const;
  std::vector<std::string> records(const std::string& name, const std::string& type) const;

  // Control routes on a simulator's server, so a test in another process can publish:
  //   POST /__sim/dcv/files    {"url":"...","content":"..."}        -> 204
  //   POST /__sim/dcv/records  {"name":"...","type":"TXT","value":"..."} -> 204
  //   DELETE /__sim/dcv        -> 204
  // Install before server.start(); like the harness's own control calls they are not
  // journaled and faults do not touch them. The world must outlive the server.
  void install(Server& server);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> files_;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> records_;
};

}  // namespace portico::sim
