#include "e2e/binary_fixture.hpp"

#include <chrono>

#include "e2e/openapi_watch.hpp"
#include "support/temp_dir.hpp"

namespace portico::testing {

using namespace std::chrono_literals;

std::unique_ptr<BackgroundProcess> start_gateway_binary(const std::string& config,
                                                        const std::string& log,
                                                        std::uint16_t& api_port) {
  const std::size_t seen = read_file(log).size();
  auto gateway = start_logging_to_file({PORTICO_BINARY, "serve", "--config", config}, log);
  const std::string ready = wait_for_file_line(log, seen, "portico listening", 10s);
  const std::string field = "api=127.0.0.1:";
  const std::size_t at = ready.find(field);
  api_port = at == std::string::npos
                 ? 0
                 : static_cast<std::uint16_t>(std::stoi(ready.substr(at + field.size())));
  if (api_port != 0) watch_api_port(api_port);
  return gateway;
}

std::string create_key_with_cli(const std::string& config, const std::string& partner) {
  const ProcessResult created =
      run_process({PORTICO_BINARY, "keys", "create", "--config", config, "--partner", partner});
  if (created.exit_code != 0) return {};
  std::string key = created.out;
  while (!key.empty() && key.back() == '\n')
    key.pop_back();
  return key.substr(key.rfind('\n') + 1);
}

}  // namespace portico::testing
