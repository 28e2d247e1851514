// AtomicFile: write to a temp file, fsync, rename, fsync the directory.
#include "model/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "common/error.h"

namespace rlvr {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const std::filesystem::path target(path_);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  std::string pattern = dir + "/." + target.filename().string() + ".tmp.XXXXXX";
  fd_ = ::mkstemp(pattern.data());
  RLVR_CHECK_ERRNO(fd_, "model", "creating a temp file for ", path_, " in ", dir);
  temp_path_ = pattern;
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicFile::write(const void* bytes, size_t n) {
  const char* p = static_cast<const char*>(bytes);
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    RLVR_CHECK_ERRNO(w, "model", "writing ", temp_path_, " (for ", path_, ")");
    p += w;
    n -= size_t(w);
  }
}

void AtomicFile::commit() {
  RLVR_CHECK(!committed_, "model", "AtomicFile::commit called twice for ", path_);
  RLVR_CHECK_ERRNO(::fsync(fd_), "model", "fsync ", temp_path_);
  const int fd = fd_;
  fd_ = -1;
  RLVR_CHECK_ERRNO(::close(fd), "model", "close ", temp_path_);
  RLVR_CHECK_ERRNO(::rename(temp_path_.c_str(), path_.c_str()), "model", "rename ", temp_path_, " to ", path_);
  committed_ = true;
  const std::filesystem::path target(path_);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  RLVR_CHECK_ERRNO(dir_fd, "model", "opening directory ", dir, " to fsync it");
  const int rc = ::fsync(dir_fd);
  ::close(dir_fd);
  RLVR_CHECK_ERRNO(rc, "model", "fsync directory ", dir);
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  AtomicFile f(path);
  f.write(bytes.data(), bytes.size());
  f.commit();
}

}  // namespace rlvr
