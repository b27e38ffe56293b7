#include "portico/api/handlers.hpp"

namespace portico::api {

// Placeholder until the handlers land (issue 6).
void add_event_routes(Router& /*router*/, Services& /*services*/) {}

}  // namespace portico::api
