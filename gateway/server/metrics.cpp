#include "portico/server/metrics.hpp"

#include <cstdio>

namespace portico::server {

void Metrics::observe(std::string_view listener, std::string_view method, std::string_view route,
                      unsigned status, std::chrono::nanoseconds duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  const std::lock_guard lock(mutex_);
  const RequestView request_key(listener, method, route, status);
  auto counted = requests_.find(request_key);
  if (counted == requests_.end()) {
    counted = requests_.emplace(RequestKey(listener, method, route, status), 0).first;
  }
  ++counted->second;
  const RouteView route_key(listener, method, route);
  auto observed = latency_.find(route_key);
  if (observed == latency_.end()) {
    observed = latency_.emplace(RouteKey(listener, method, route), Histogram{}).first;
  }
  Histogram& histogram = observed->second;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++histogram.counts[i];
  }
  ++histogram.total;
  histogram.sum += seconds;
}

namespace {
std::string labels(const std::string& listener, const std::string& method,
                   const std::string& route) {
  // Routes are our own patterns (never raw client paths), so no escaping is needed beyond
  // what the pattern alphabet allows.
  return "listener=\"" + listener + "\",method=\"" + method + "\",route=\"" + route + "\"";
}
}  // namespace

std::string prometheus_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP portico_http_requests_total HTTP requests served, by route and status.\n";
  out += "# TYPE portico_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [listener, method, route, status] = key;
    out += "portico_http_requests_total{" + labels(listener, method, route) + ",status=\"" +
           std::to_string(status) + "\"} " + std::to_string(count) + "\n";
  }
  out +=
      "# HELP portico_http_request_duration_seconds Time from a request's arrival to its "
      "response.\n";
  out += "# TYPE portico_http_request_duration_seconds histogram\n";
  for (const auto& [key, histogram] : latency_) {
    const auto& [listener, method, route] = key;
    const std::string base = labels(listener, method, route);
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out += "portico_http_request_duration_seconds_bucket{" + base + ",le=\"" +
             prometheus_number(kBuckets[i]) + "\"} " + std::to_string(histogram.counts[i]) + "\n";
    }
    out += "portico_http_request_duration_seconds_bucket{" + base + ",le=\"+Inf\"} " +
           std::to_string(histogram.total) + "\n";
    out += "portico_http_request_duration_seconds_sum{" + base + "} " +
           prometheus_number(histogram.sum) + "\n";
    out += "portico_http_request_duration_seconds_count{" + base + "} " +
           std::to_string(histogram.total) + "\n";
  }
  return out;
}

}  // namespace portico::server
