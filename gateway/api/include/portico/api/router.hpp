#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "portico/api/context.hpp"

namespace portico::api {

using RouteHandler = std::function<boost::asio::awaitable<server::Response>(RequestContext&)>;

enum class Access { open, partner, admin };

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/api/v1/customers/{id}"
  Access access = Access::partner;
  RouteHandler handler;
};

// Matches a method and a decoded path to a route; a path that exists under other methods is
// a 405 (with Allow), one that exists under none a 404.
class Router {
 public:
  void add(Route route);

  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string, std::less<>> params;
    std::vector<std::string> allowed;  // when the path matched but the method did not
  };
  Match match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  static bool match_pattern(std::string_view pattern, std::string_view path,
                            std::map<std::string, std::string, std::less<>>& params);
  std::vector<Route> routes_;
};

}  // namespace portico::api
