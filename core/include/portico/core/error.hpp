#pragma once

#include <string>
#include <string_view>

namespace portico::core {

// The error types of the public API (DESIGN.md "Normalized API"). The wire name of each is
// what partners switch on; the HTTP status travels with the error.
enum class ErrorType {
  invalid_request,  // 400, 404, 409, 413, 422, 431
  authentication,   // 401
  permission,       // 403
  rate_limit,       // 429
  idempotency,      // 409, 422
  upstream,         // 502, 503, 504
  api,              // 500
};

std::string_view error_type_name(ErrorType type);

// A normalized error: a value, never an exception, on request paths. `code` is snake_case and
// stable; `message` is safe to show a partner (it never names a supplier or holds a secret).
struct Error {
  ErrorType type = ErrorType::api;
  int status = 500;
  std::string code;
  std::string message;
  std::string param;  // the offending request field, when there is one
  // Set by the HTTP client when a request may have reached the supplier and its outcome is
  // unknown (timeout or reset after the request was written): the caller must reconcile.
  bool outcome_unknown = false;
  int retry_after_seconds = 0;  // for rate_limit errors

  static Error invalid_request(std::string code, std::string message, std::string param = {});
  static Error not_found(std::string message, std::string param = {});
  static Error conflict(std::string code, std::string message, std::string param = {});
  static Error unprocessable(std::string code, std::string message, std::string param = {});
  static Error authentication(std::string code, std::string message);
  static Error permission(std::string code, std::string message);
  static Error rate_limited(std::string message, int retry_after_seconds);
  static Error upstream(int status, std::string code, std::string message);
  static Error internal(std::string message);
};

}  // namespace portico::core
