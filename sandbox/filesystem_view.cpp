// Building the private root: tmpfs, read-only binds, the work dir, pivot_root, detach the old
// root, remount / read-only.
#include "sandbox/filesystem_view.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace rlvr::sandbox::detail {
namespace {

void add_parents(std::vector<std::string>& dirs, const std::string& root, const std::string& inside) {
  std::filesystem::path p = std::filesystem::path(inside).parent_path();
  std::vector<std::string> chain;
  for (; p != "/" && !p.empty(); p = p.parent_path()) chain.push_back(root + p.string());
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    if (std::find(dirs.begin(), dirs.end(), *it) == dirs.end()) dirs.push_back(*it);
}

// A bind mount keeps the source's flags; in a user namespace the remount must not clear the
// ones the host set (nosuid, nodev, noexec, atime), or the kernel refuses it.
unsigned long inherited_flags(const char* path) {
  struct statvfs st;
  if (statvfs(path, &st) != 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  return flags;
}

// Copies the file open at `in` to dir_to/name with a stack buffer (no allocation after fork).
bool copy_file(int in, const std::string& dir_to, const std::string& name) {
  char to[4096];
  if (std::snprintf(to, sizeof to, "%s/%s", dir_to.c_str(), name.c_str()) >= int(sizeof to)) return false;
  if (lseek(in, 0, SEEK_SET) == -1) return false;
  int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  bool ok = out != -1;
  char buffer[16384];
  while (ok) {
    ssize_t n = read(in, buffer, sizeof buffer);
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    ok = write(out, buffer, n) == n;
  }
  if (out != -1) close(out);
  return ok;
}

}  // namespace

ViewPlan plan_view(const LanguageSpec& language, const std::vector<std::pair<int, std::string>>& files,
                   std::int64_t work_dir_mb) {
  ViewPlan plan;
  const std::string& root = plan.root;
  for (const auto& b : language.binds) {
    add_parents(plan.dirs, root, b.inside_path);
    std::string target = root + b.inside_path;
    if (b.is_file)
      plan.files.push_back(target);
    else if (std::find(plan.dirs.begin(), plan.dirs.end(), target) == plan.dirs.end())
      plan.dirs.push_back(target);
    struct stat st {};
    bool device = stat(b.host_path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
    plan.binds.push_back({b.host_path, target, b.is_file, device});
  }
  plan.dirs.push_back(root + plan.inside_work_dir);
  plan.files_to_copy = files;
  plan.work_mount_options = "size=" + std::to_string(work_dir_mb) + "m,mode=0700";
  for (const auto& [link, target] : language.symlinks) plan.symlinks.emplace_back(root + link, target);
  return plan;
}

const char* enter_view(const ViewPlan& plan) {
  // Nothing we mount may propagate back to the host.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == -1) return "make / private";
  if (mount("tmpfs", plan.root.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") == -1)
    return "mount tmpfs root";
  for (const auto& dir : plan.dirs)
    if (mkdir(dir.c_str(), 0755) == -1 && errno != EEXIST) return "mkdir in the new root";
  for (const auto& file : plan.files) {
    int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1) return "create a file mount point";
    close(fd);
  }
  for (const auto& b : plan.binds) {
    if (mount(b.source.c_str(), b.target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) == -1)
      return "bind mount";
    unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | inherited_flags(b.source.c_str());
    if (!b.device) flags |= MS_NODEV;
    if (mount(nullptr, b.target.c_str(), nullptr, flags, nullptr) == -1) return "remount bind";
  }
  // The work dir is a tmpfs: its size caps what the program can write in total, and it
  // vanishes with the mount namespace.
  const std::string work = plan.root + plan.inside_work_dir;
  if (mount("tmpfs", work.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, plan.work_mount_options.c_str()) == -1)
    return "mount tmpfs work dir";
  for (const auto& [fd, name] : plan.files_to_copy)
    if (!copy_file(fd, work, name)) return "copy a file into the work dir";
  for (const auto& [link, target] : plan.symlinks)
    if (symlink(target.c_str(), link.c_str()) == -1) return "symlink in the new root";
  // pivot_root(".", "."): the old root ends up stacked on the new one; detach it.
  if (chdir(plan.root.c_str()) == -1) return "chdir to the new root";
  if (syscall(SYS_pivot_root, ".", ".") == -1) return "pivot_root";
  if (umount2(".", MNT_DETACH) == -1) return "detach the old root";
  if (chdir("/") == -1) return "chdir /";
  if (mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) == -1)
    return "remount / read-only";
  if (chdir(plan.inside_work_dir.c_str()) == -1) return "chdir to the work dir";
  return nullptr;
}

}  // namespace rlvr::sandbox::detail
