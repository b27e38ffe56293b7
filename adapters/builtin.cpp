// The explicit list of supplier types this build knows; no static self-registration, so
// nothing is dropped by the linker and the order is plain to read.
#include "digicert/factory.hpp"
#include "geniusplugin/factory.hpp"
#include "hostraha/factory.hpp"
#include "sslci/factory.hpp"

namespace portico::adapters {

void register_builtin(Registry& registry) {
  hostraha::register_type(registry);
  sslci::register_type(registry);
  digicert::register_type(registry);
  geniusplugin::register_type(registry);
}

}  // namespace portico::adapters
