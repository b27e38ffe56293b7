#include <boost/beast/http/field.hpp>

#include "portico/api/envelope.hpp"
#include "portico/api/frontend.hpp"
#include "portico/api/handlers.hpp"
#include "portico/api/openapi.hpp"
#include "portico/embedded.hpp"

namespace portico::api {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

std::string_view media_type(std::string_view file) {
  if (file.ends_with(".html")) return "text/html; charset=utf-8";
  if (file.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (file.ends_with(".css")) return "text/css; charset=utf-8";
  if (file.ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

server::Response file_response(std::string_view type, std::string_view content,
                               std::string_view cache_control) {
  server::Response response(http::status::ok, 11);
  response.set(http::field::content_type, type);
  response.set(http::field::cache_control, cache_control);
  response.set("X-Content-Type-Options", "nosniff");
  response.body().assign(content.data(), content.size());
  return response;
}

const EmbeddedFile* docs_asset(std::string_view name) {
  for (const EmbeddedFile& file : docs_assets()) {
    if (file.name == name) return &file;
  }
  return nullptr;
}

net::awaitable<server::Response> openapi_document(RequestContext& context) {
  if (auto status = no_query(context); !status) {
    co_return error_response(context.request_id, status.error());
  }
  server::Response response =
      file_response("application/json", openapi_json(), "public, max-age=300");
  // The document is public: tools in a browser (editors, other viewers) may fetch it too.
  response.set(http::field::access_control_allow_origin, "*");
  co_return response;
}

net::awaitable<server::Response> docs_page(RequestContext& context) {
  const std::string_view name =
      context.params.contains("file") ? context.param("file") : std::string_view("index.html");
  const EmbeddedFile* file = docs_asset(name);
  if (file == nullptr) {
    co_return error_response(context.request_id, core::Error::not_found("No such file."));
  }
  server::Response response =
      file_response(media_type(file->name), file->content, "public, max-age=3600");
  // Only this gateway's own files run on the page; Swagger UI styles itself inline.
  response.set("Content-Security-Policy",
               "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "frame-ancestors 'none'");
  co_return response;
}

}  // namespace

void add_docs_routes(Router& router) {
  router.add({"GET", "/api/v1/openapi.json", Access::open, openapi_document});
  router.add({"GET", "/docs", Access::open, docs_page});
  router.add({"GET", "/docs/{file}", Access::open, docs_page});
}

}  // namespace portico::api
