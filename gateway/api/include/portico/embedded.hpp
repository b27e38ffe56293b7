#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace portico {

// A file built into the binary by portico_embed() (cmake/Embed.cmake).
struct EmbeddedFile {
  std::string_view name;     // its file name, e.g. "openapi.yaml"
  std::string_view content;  // its bytes, as read at build time
};

// The fragments of the OpenAPI document (gateway/api/openapi/*.yaml, openapi.yaml first).
std::span<const EmbeddedFile> openapi_fragments();
// The files of the /docs page: ours (gateway/api/docs/) and Swagger UI's (swagger-ui-dist).
std::span<const EmbeddedFile> docs_assets();

}  // namespace portico
