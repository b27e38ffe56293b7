#include "portico/api/router.hpp"

namespace portico::api {

void Router::add(Route route) {
  routes_.push_back(std::move(route));
}

bool Router::match_pattern(std::string_view pattern, std::string_view path,
                           std::map<std::string, std::string, std::less<>>& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/') {
      return false;
    }
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view pattern_segment = pattern.substr(0, pattern.find('/'));
    const std::string_view path_segment = path.substr(0, path.find('/'));
    if (pattern_segment.size() > 2 && pattern_segment.front() == '{' &&
        pattern_segment.back() == '}') {
      if (path_segment.empty()) return false;
      params.emplace(std::string(pattern_segment.substr(1, pattern_segment.size() - 2)),
                     std::string(path_segment));
    } else if (pattern_segment != path_segment) {
      return false;
    }
    pattern.remove_prefix(pattern_segment.size());
    path.remove_prefix(path_segment.size());
  }
  return true;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match result;
  std::map<std::string, std::string, std::less<>> params;
  for (const Route& route : routes_) {
    if (!match_pattern(route.pattern, path, params)) continue;
    if (route.method == method) {
      result.route = &route;
      result.params = std::move(params);
      result.allowed.clear();
      return result;
    }
    result.allowed.push_back(route.method);
  }
  return result;
}

}  // namespace portico::api
