#include "portico/api/envelope.hpp"

#include <boost/beast/http/field.hpp>

namespace portico::api {

namespace http = boost::beast::http;

namespace {

void write_meta(core::json::Writer& out, std::string_view request_id) {
  core::json::key(out, "meta");
  out.StartObject();
  core::json::write(out, "request_id", request_id);
  out.EndObject();
}

server::Response finish(std::string_view request_id, unsigned status,
                        rapidjson::StringBuffer& buffer) {
  server::Response response(static_cast<http::status>(status), 11);
  response.set(http::field::content_type, "application/json");
  response.set("X-Request-Id", request_id);
  response.body().assign(buffer.GetString(), buffer.GetSize());
  return response;
}

}  // namespace

server::Response data_response(std::string_view request_id, unsigned status,
                               const ObjectWriter& write_fields) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  core::json::key(out, "data");
  out.StartObject();
  write_fields(out);
  out.EndObject();
  write_meta(out, request_id);
  out.EndObject();
  return finish(request_id, status, buffer);
}

server::Response list_envelope(std::string_view request_id, const ObjectWriter& write_items,
                               std::int64_t total, bool has_more) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  core::json::key(out, "data");
  out.StartArray();
  write_items(out);
  out.EndArray();
  core::json::write(out, "total", total);
  core::json::write(out, "has_more", has_more);
  write_meta(out, request_id);
  out.EndObject();
  return finish(request_id, 200, buffer);
}

server::Response error_response(std::string_view request_id, const core::Error& error) {
  rapidjson::StringBuffer buffer;
  core::json::Writer out(buffer);
  out.StartObject();
  core::json::key(out, "error");
  out.StartObject();
  core::json::write(out, "type", core::error_type_name(error.type));
  core::json::write(out, "code", error.code);
  core::json::write(out, "message", error.message);
  if (error.param.empty()) {
    core::json::write_null(out, "param");
  } else {
    core::json::write(out, "param", error.param);
  }
  out.EndObject();
  write_meta(out, request_id);
  out.EndObject();
  server::Response response = finish(request_id, static_cast<unsigned>(error.status), buffer);
  // A 503 may carry one too (RFC 9110 section 10.2.3): an open circuit or a supplier's limit.
  if ((error.status == 429 || error.status == 503) && error.retry_after_seconds > 0) {
    response.set(http::field::retry_after, std::to_string(error.retry_after_seconds));
  }
  if (error.status == 401) response.set(http::field::www_authenticate, "Bearer");
  return response;
}

}  // namespace portico::api
