// The fresh temporary directory of one run: created by the parent, handed to the sandbox uid,
// removed afterwards whatever the program left in it.
#pragma once

#include <sys/types.h>

#include <string>

namespace rlvr::sandbox::detail {

class WorkDir {
 public:
  // Creates <tmp>/rlvr-sandbox-XXXXXX with `work/` (the program's files; its cwd when running
  // without namespaces), owned by uid/gid. Throws rlvr::Error on failure.
  WorkDir(uid_t uid, gid_t gid);
  ~WorkDir();  // removes everything; never throws
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;

  const std::string& path() const { return path_; }
  std::string work() const { return path_ + "/work"; }
  // Writes a file into work/ owned by the sandbox uid; returns a read-only descriptor of it
  // (close-on-exec, the caller closes it).
  int write_file(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
  uid_t uid_;
  gid_t gid_;
};

}  // namespace rlvr::sandbox::detail
