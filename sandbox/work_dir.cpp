// Creation and removal of the per-run temporary directory.
#include "sandbox/work_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.h"

namespace rlvr::sandbox::detail {

namespace fs = std::filesystem;

WorkDir::WorkDir(uid_t uid, gid_t gid) : uid_(uid), gid_(gid) {
  std::string pattern = (fs::temp_directory_path() / "rlvr-sandbox-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    RLVR_FAIL("sandbox", "cannot create a temp dir", pattern, ": ", std::strerror(errno));
  path_ = pattern;
  for (const std::string& dir : {work()}) {
    RLVR_CHECK_ERRNO(mkdir(dir.c_str(), 0700), "sandbox", dir);
    RLVR_CHECK_ERRNO(chown(dir.c_str(), uid_, gid_), "sandbox", dir);
  }
  RLVR_CHECK_ERRNO(chown(path_.c_str(), uid_, gid_), "sandbox", path_);
}

int WorkDir::write_file(const std::string& name, const std::string& content) const {
  std::string file = work() + "/" + name;
  int fd = open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  RLVR_CHECK_ERRNO(fd, "sandbox", file);
  ssize_t n = write(fd, content.data(), content.size());
  int saved = errno;
  bool owned = fchown(fd, uid_, gid_) == 0;
  if (n != static_cast<ssize_t>(content.size()) || !owned) {
    close(fd);
    if (!owned) RLVR_FAIL("sandbox", "fchown failed", file);
    RLVR_FAIL("sandbox", "short write", file, ": ", std::strerror(saved));
  }
  return fd;
}

WorkDir::~WorkDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (!ec) return;
  // The program may have left directories without write or search permission: open them up.
  for (auto it = fs::recursive_directory_iterator(path_, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) chmod(it->path().c_str(), 0700);
  }
  chmod(path_.c_str(), 0700);
  fs::remove_all(path_, ec);
}

}  // namespace rlvr::sandbox::detail
