#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "portico/api/context.hpp"
#include "portico/core/error.hpp"
#include "portico/core/json.hpp"

// The response envelopes of DESIGN.md: every body carries meta.request_id, every response
// X-Request-Id.
namespace portico::api {

using ObjectWriter = std::function<void(core::json::Writer&)>;

// {"data":{...},"meta":{"request_id":...}}; `write_fields` writes the object's members.
server::Response data_response(std::string_view request_id, unsigned status,
                               const ObjectWriter& write_fields);
// {"data":[...],"total":N,"has_more":b,"meta":{...}}; `write_items` writes whole objects.
server::Response list_envelope(std::string_view request_id, const ObjectWriter& write_items,
                               std::int64_t total, bool has_more);

// A list of `items`, each written as one object by `write_fields(out, item)`.
template <typename Item, typename WriteFields>
server::Response list_response(std::string_view request_id, const std::vector<Item>& items,
                               const WriteFields& write_fields, std::int64_t total, bool has_more) {
  return list_envelope(
      request_id,
      [&](core::json::Writer& out) {
        for (const Item& item : items) {
          out.StartObject();
          write_fields(out, item);
          out.EndObject();
        }
      },
      total, has_more);
}
// {"error":{"type","code","message","param"},"meta":{...}}, with Retry-After for 429.
server::Response error_response(std::string_view request_id, const core::Error& error);

}  // namespace portico::api
