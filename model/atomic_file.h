// A file that appears at its path only once completely written: temp file in the same directory,
// fsync, rename over the target, fsync of the directory. A crash leaves the old file or none.
#pragma once

#include <cstddef>
#include <string>

namespace rlvr {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // creates the temp file next to path
  ~AtomicFile();                          // removes the temp file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* bytes, size_t n);
  void commit();  // fsync, close, rename, fsync the directory

 private:
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Replaces path with bytes atomically.
void write_file_atomic(const std::string& path, const std::string& bytes);

}  // namespace rlvr
