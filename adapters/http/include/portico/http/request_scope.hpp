#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>

namespace portico::http {

// The executor a request's coroutines run on: the gateway's own, carrying the id of the request
// they serve. Coroutines started from one inherit it, so a supplier call made deep inside an
// adapter finds the request it belongs to (Client::send records it in its Exchange, and so in
// the audit trail) without every port taking a request id.
//
// The gateway runs each connection's coroutine in one scope and sets the id as each request
// begins (a connection serves one request at a time, and everything a request starts ends
// before its answer), which spares a co_spawn per request. The id is shared by every copy.
class RequestScope {
 public:
  RequestScope(boost::asio::any_io_executor inner, std::shared_ptr<std::string> request_id)
      : inner_(std::move(inner)), request_id_(std::move(request_id)) {}

  const std::string& request_id() const { return *request_id_; }
  // Only from the scope's own coroutine, between its requests.
  void set_request_id(std::string id) const { *request_id_ = std::move(id); }

  // What any_io_executor needs of an executor, forwarded to the one inside.
  boost::asio::execution_context& query(boost::asio::execution::context_t) const noexcept {
    return boost::asio::query(inner_, boost::asio::execution::context);
  }
  RequestScope require(boost::asio::execution::blocking_t::never_t property) const {
    return {boost::asio::require(inner_, property), request_id_};
  }
  template <typename Property>
  RequestScope prefer(Property property) const {
    return {boost::asio::prefer(inner_, property), request_id_};
  }
  template <typename Function>
  void execute(Function&& function) const {
    inner_.execute(std::forward<Function>(function));
  }
  friend bool operator==(const RequestScope& a, const RequestScope& b) noexcept {
    return a.inner_ == b.inner_ && a.request_id_ == b.request_id_;
  }
  friend bool operator!=(const RequestScope& a, const RequestScope& b) noexcept {
    return !(a == b);
  }

 private:
  boost::asio::any_io_executor inner_;
  std::shared_ptr<std::string> request_id_;
};

// The request id of the scope `executor` runs in; empty outside one (jobs, tests).
inline std::string request_id_of(const boost::asio::any_io_executor& executor) {
  const auto* scope = executor.target<RequestScope>();
  return scope != nullptr ? scope->request_id() : std::string();
}

}  // namespace portico::http
