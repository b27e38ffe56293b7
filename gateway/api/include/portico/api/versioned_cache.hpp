#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "portico/core/clock.hpp"

namespace portico::api {

// How long an entry is trusted without reading it again when no count says it changed: the
// bound for a change made behind the gateway's back (SQL by hand, a deleted count file).
inline constexpr std::chrono::milliseconds kCacheTtl{10000};

// Rows that every request reads (the caller's API key, the domain it names), kept in memory so
// that each request does not pay a SQLite read transaction for them.
//
// Each entry records the count it was read under: a counter of the store's that every process
// adds one to after committing a change of those rows (Store::key_revocations,
// Store::object_writes). An entry is used only while the count is the same, so a change
// committed and counted anywhere is read again on the next request. The caller takes the count
// before its read, so an answer read across a change is never served after it. Only what was
// found is cached: a miss is read every time. Pure: the caller passes the count and the time.
template <typename Value>
class VersionedCache {
 public:
  explicit VersionedCache(std::chrono::milliseconds ttl = kCacheTtl, std::size_t capacity = 10000)
      : ttl_(ttl), capacity_(capacity) {}

  std::shared_ptr<const Value> find(std::string_view key, std::uint64_t version,
                                    core::TimePoint now) const {
    const std::lock_guard lock(mutex_);
    const auto found = entries_.find(key);
    if (found == entries_.end()) return nullptr;
    const Entry& entry = found->second;
    if (entry.version != version || entry.expires <= now) return nullptr;
    return entry.value;
  }

  // `version` is the count taken before the read that produced `value`.
  void remember(std::string_view key, std::shared_ptr<const Value> value, std::uint64_t version,
                core::TimePoint now) {
    if (ttl_.count() <= 0) return;
    const std::lock_guard lock(mutex_);
    // Bounded: past capacity the stale entries go, and if all are fresh, all of them (the next
    // lookups read SQLite once each).
    if (entries_.size() >= capacity_) {
      std::erase_if(entries_, [&](const auto& item) {
        return item.second.version != version || item.second.expires <= now;
      });
      if (entries_.size() >= capacity_) entries_.clear();
    }
    entries_.insert_or_assign(std::string(key), Entry{std::move(value), version, now + ttl_});
  }

 private:
  struct Entry {
    std::shared_ptr<const Value> value;
    std::uint64_t version;
    core::TimePoint expires;
  };
  // Lets find() look a string_view up without building a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };

  const std::chrono::milliseconds ttl_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

}  // namespace portico::api
