#include "portico/core/random.hpp"

#include <array>
#include <cstring>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace portico::core {

std::string Random::base62(std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  out.reserve(length);
  std::array<std::uint8_t, 64> pool{};
  std::size_t used = pool.size();
  while (out.size() < length) {
    if (used == pool.size()) {
      fill(pool);
      used = 0;
    }
    const std::uint8_t byte = pool[used++];
    // 248 = 4 * 62: reject the top bytes so every character is equally likely.
    if (byte < 248) out.push_back(kAlphabet[byte % 62]);
  }
  return out;
}

namespace {

void rand_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    // Without randomness no key or nonce is safe to hand out; this is not recoverable.
    throw std::runtime_error("the system random generator failed");
  }
}

}  // namespace

void SecureRandom::fill(std::span<std::uint8_t> out) {
  // Every request takes an id: one RAND_bytes call per 4 KiB instead of one per id (it was 4%
  // of a GET /me). Bytes handed out are wiped from the buffer, so it never holds what a caller
  // already has; the buffer is per thread, so no lock.
  struct Buffer {
    std::array<std::uint8_t, 4096> bytes{};
    std::size_t used = 4096;
    ~Buffer() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  };
  thread_local Buffer buffer;
  if (out.size() > buffer.bytes.size() / 4) {
    rand_bytes(out);
    return;
  }
  if (buffer.bytes.size() - buffer.used < out.size()) {
    rand_bytes(buffer.bytes);
    buffer.used = 0;
  }
  std::uint8_t* from = buffer.bytes.data() + buffer.used;
  std::memcpy(out.data(), from, out.size());
  OPENSSL_cleanse(from, out.size());
  buffer.used += out.size();
}

void SeededRandom::fill(std::span<std::uint8_t> out) {
  std::lock_guard lock(mutex_);
  std::size_t at = 0;
  while (at < out.size()) {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    z ^= z >> 31U;
    const std::size_t take = std::min<std::size_t>(sizeof z, out.size() - at);
    std::memcpy(out.data() + at, &z, take);
    at += take;
  }
}

}  // namespace portico::core
