// Small descriptor helpers: an owning fd and a sealed-in-memory file holding some bytes.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.h"

namespace rlvr::sandbox::detail {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// A memfd (close-on-exec) holding `data`, positioned at its start.
inline int memfd_with(const std::string& data, const char* name) {
  int fd = memfd_create(name, MFD_CLOEXEC);
  RLVR_CHECK_ERRNO(fd, "sandbox", "memfd_create ", name);
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      int saved = errno;
      close(fd);
      RLVR_FAIL("sandbox", "cannot fill a memfd", name, ": ", std::strerror(saved));
    }
    done += n;
  }
  lseek(fd, 0, SEEK_SET);
  return fd;
}

}  // namespace rlvr::sandbox::detail
