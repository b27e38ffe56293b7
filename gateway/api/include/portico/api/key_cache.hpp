#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "portico/api/context.hpp"
#include "portico/core/clock.hpp"

namespace portico::api {

// How long a key found valid is trusted without reading it again, when nothing says it was
// revoked: the bound for a change made behind the gateway's back (SQL by hand).
inline constexpr std::chrono::milliseconds kKeyCacheTtl{10000};

// The principals of API keys recently found valid, by key hash, so that a client's every call
// does not read SQLite for its key (that read was a sixth of a GET /me).
//
// Each entry records the revocation count (Store::key_revocations) it was read under, and is
// used only while the count is the same: a revocation by this process or by the CLI, once
// counted, is refused on the next request. Only valid keys are cached, so a new key works at
// once and a wrong or revoked one is read every time. Pure: the caller passes the count and
// the time.
class KeyCache {
 public:
  explicit KeyCache(std::chrono::milliseconds ttl = kKeyCacheTtl, std::size_t capacity = 10000)
      : ttl_(ttl), capacity_(capacity) {}

  std::shared_ptr<const Principal> find(std::string_view hash, std::uint64_t revocations,
                                        core::TimePoint now) const;
  // `revocations` is the count taken before the read that found the key valid.
  void remember(std::string_view hash, std::shared_ptr<const Principal> principal,
                std::uint64_t revocations, core::TimePoint now);

 private:
  struct Entry {
    std::shared_ptr<const Principal> principal;
    std::uint64_t revocations;
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
