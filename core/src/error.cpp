#include "portico/core/error.hpp"

namespace portico::core {

std::string_view error_type_name(ErrorType type) {
  switch (type) {
    case ErrorType::invalid_request:
      return "invalid_request_error";
    case ErrorType::authentication:
      return "authentication_error";
    case ErrorType::permission:
      return "permission_error";
    case ErrorType::rate_limit:
      return "rate_limit_error";
    case ErrorType::idempotency:
      return "idempotency_error";
    case ErrorType::upstream:
      return "upstream_error";
    case ErrorType::api:
      return "api_error";
  }
  return "api_error";
}

namespace {
Error make(ErrorType type, int status, std::string code, std::string message, std::string param) {
  Error error;
  error.type = type;
  error.status = status;
  error.code = std::move(code);
  error.message = std::move(message);
  error.param = std::move(param);
  return error;
}
}  // namespace

Error Error::invalid_request(std::string code, std::string message, std::string param) {
  return make(ErrorType::invalid_request, 400, std::move(code), std::move(message),
              std::move(param));
}
Error Error::not_found(std::string message, std::string param) {
  return make(ErrorType::invalid_request, 404, "not_found", std::move(message), std::move(param));
}
Error Error::conflict(std::string code, std::string message, std::string param) {
  return make(ErrorType::invalid_request, 409, std::move(code), std::move(message),
              std::move(param));
}
Error Error::unprocessable(std::string code, std::string message, std::string param) {
  return make(ErrorType::invalid_request, 422, std::move(code), std::move(message),
              std::move(param));
}
Error Error::authentication(std::string code, std::string message) {
  return make(ErrorType::authentication, 401, std::move(code), std::move(message), {});
}
Error Error::permission(std::string code, std::string message) {
  return make(ErrorType::permission, 403, std::move(code), std::move(message), {});
}
Error Error::rate_limited(std::string message, int retry_after_seconds) {
  Error error = make(ErrorType::rate_limit, 429, "rate_limited", std::move(message), {});
  error.retry_after_seconds = retry_after_seconds;
  return error;
}
Error Error::upstream(int status, std::string code, std::string message) {
  return make(ErrorType::upstream, status, std::move(code), std::move(message), {});
}
Error Error::internal(std::string message) {
  return make(ErrorType::api, 500, "internal_error", std::move(message), {});
}

}  // namespace portico::core
