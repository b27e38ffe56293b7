#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
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
  using RequestKey = std::tuple<std::string, std::string, std::string, unsigned>;  // + status

  using RouteView = std::tuple<std::string_view, std::string_view, std::string_view>;
  using RequestView = std::tuple<std::string_view, std::string_view, std::string_view, unsigned>;

  // Orders keys and their string_view forms alike, so a request looks its counters up without
  // allocating; only the first request of a route and status makes the strings.
  struct ViewLess {
    using is_transparent = void;
    static RouteView view(const RouteKey& key) {
      return {std::get<0>(key), std::get<1>(key), std::get<2>(key)};
    }
    static RequestView view(const RequestKey& key) {
      return {std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key)};
    }
    static const RouteView& view(const RouteView& key) { return key; }
    static const RequestView& view(const RequestView& key) { return key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
  };

  mutable std::mutex mutex_;
  std::map<RequestKey, std::uint64_t, ViewLess> requests_;
  std::map<RouteKey, Histogram, ViewLess> latency_;
};

}  // namespace portico::server
