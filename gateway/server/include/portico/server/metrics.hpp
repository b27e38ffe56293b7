#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace portico::server {

// A sample value as the Prometheus text format writes it (also for the admin's per-instance
// series).
std::string prometheus_number(double value);

// Request counters by listener, route and status, and a latency histogram per route, rendered
// in the Prometheus text format. Thread-safe; one short lock per request.
class Metrics {
 public:
  void observe(std::string_view listener, std::string_view method, std::string_view route,
               unsigned status, std::chrono::nanoseconds duration);
  std::string render() const;

 private:
  static constexpr std::array<double, 12> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,   0.25,   0.5,   1.0,  2.5,   10.0};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};
    std::uint64_t total = 0;
    double sum = 0;
  };
  using RouteKey = std::tuple<std::string, std::string, std::string>;  // listener, method, route

  mutable std::mutex mutex_;
  // Transparent, so a request looks its counters up by string_views and allocates nothing
  // but the first time a route is seen.
  std::map<std::tuple<std::string, std::string, std::string, unsigned>, std::uint64_t, std::less<>>
      requests_;
  std::map<RouteKey, Histogram, std::less<>> latency_;
};

}  // namespace portico::server
