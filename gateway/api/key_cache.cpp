#include "portico/api/key_cache.hpp"

namespace portico::api {

std::shared_ptr<const Principal> KeyCache::find(std::string_view hash, std::uint64_t revocations,
                                                core::TimePoint now) const {
  const std::lock_guard lock(mutex_);
  const auto found = entries_.find(hash);
  if (found == entries_.end()) return nullptr;
  const Entry& entry = found->second;
  if (entry.revocations != revocations || entry.expires <= now) return nullptr;
  return entry.principal;
}

void KeyCache::remember(std::string_view hash, std::shared_ptr<const Principal> principal,
                        std::uint64_t revocations, core::TimePoint now) {
  if (ttl_.count() <= 0) return;
  const std::lock_guard lock(mutex_);
  // Bounded: past capacity the stale entries go, and if all are fresh, all of them (the next
  // lookups read SQLite once each).
  if (entries_.size() >= capacity_) {
    std::erase_if(entries_, [&](const auto& item) {
      return item.second.revocations != revocations || item.second.expires <= now;
    });
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_.insert_or_assign(std::string(hash),
                            Entry{std::move(principal), revocations, now + ttl_});
}

}  // namespace portico::api
