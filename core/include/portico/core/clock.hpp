#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portico::core {

using TimePoint = std::chrono::system_clock::time_point;
// Monotonic time, for deadlines and rolling windows; pure code takes it as an argument.
using SteadyTime = std::chrono::steady_clock::time_point;

// Wall-clock time, injected so tests are deterministic.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to; safe to read from several threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(TimePoint::duration(now_.load())); }
  void advance(std::chrono::system_clock::duration by) { now_ += by.count(); }
  void set(TimePoint to) { now_ = to.time_since_epoch().count(); }

 private:
  std::atomic<TimePoint::duration::rep> now_;
};

std::int64_t unix_seconds(TimePoint at);
TimePoint from_unix_seconds(std::int64_t seconds);
// RFC 3339 in UTC with a "Z" suffix and whole seconds: 2026-11-22T08:15:00Z.
std::string format_rfc3339(TimePoint at);
std::optional<TimePoint> parse_rfc3339(std::string_view text);

}  // namespace portico::core
