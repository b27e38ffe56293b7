#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

namespace portico::core {

// Randomness, injected: keys, ids, nonces and IVs all come from here so tests can be exact.
class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;

  // `length` characters of [0-9A-Za-z], unbiased (rejection sampling).
  std::string base62(std::size_t length);
};

// The operating system's CSPRNG through OpenSSL; thread-safe.
class SecureRandom final : public Random {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

// A deterministic generator for tests (splitmix64); thread-safe.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : state_(seed) {}
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::mutex mutex_;
  std::uint64_t state_;
};

}  // namespace portico::core
