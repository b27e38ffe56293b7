#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace portico::store {

// A 64-bit counter in a small file that every process opening it maps into memory, as SQLite
// maps the -shm file of a WAL database (and with the same assumption: one host, a local file
// system). What one process adds, every other sees on its next value(), with neither a system
// call nor a transaction: cheap enough to check on every request. A file may hold several
// counters, one per 8-byte slot.
class SharedCounter {
 public:
  // Creates the file, or grows it to hold `slot`, with zero bytes. Throws StoreError (start-up
  // only).
  explicit SharedCounter(const std::string& path, std::size_t slot = 0);
  ~SharedCounter();
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;

  std::uint64_t value() const;
  void add_one();

 private:
  std::uint64_t* mapped_ = nullptr;  // the first slot
  std::size_t slot_;
};

}  // namespace portico::store
