#pragma once

#include <string>

namespace portico::api {

// The OpenAPI 3.1 document of the public API: the YAML fragments under gateway/api/openapi/,
// built into the binary, merged and completed with what every operation shares (openapi.yaml
// says what), as JSON. Built once, on first use; a fragment that does not merge is a bug of
// the build and throws.
const std::string& openapi_json();

}  // namespace portico::api
