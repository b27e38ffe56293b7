#include "portico/store/shared_counter.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portico/store/database.hpp"

namespace portico::store {

namespace {
[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw StoreError("cannot " + what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

SharedCounter::SharedCounter(const std::string& path, std::size_t slot) : slot_(slot) {
  const std::size_t size = (slot + 1) * sizeof(std::uint64_t);
  // The database's own mode: whoever may write the database may also bump this.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail("open", path);
  struct stat status {};
  // Growing a new file fills it with zeros; a second process racing here grows it to the same
  // size, which changes nothing.
  if (::fstat(fd, &status) != 0 || (status.st_size < static_cast<off_t>(size) &&
                                    ::ftruncate(fd, static_cast<off_t>(size)) != 0)) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    fail("size", path);
  }
  void* mapped = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int saved = errno;
  ::close(fd);  // the mapping keeps the file
  errno = saved;
  if (mapped == MAP_FAILED) fail("map", path);
  mapped_ = static_cast<std::uint64_t*>(mapped);
}

SharedCounter::~SharedCounter() {
  if (mapped_ != nullptr) ::munmap(mapped_, (slot_ + 1) * sizeof(std::uint64_t));
}

std::uint64_t SharedCounter::value() const {
  return std::atomic_ref<std::uint64_t>(mapped_[slot_]).load(std::memory_order_acquire);
}

void SharedCounter::add_one() {
  std::atomic_ref<std::uint64_t>(mapped_[slot_]).fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace portico::store
