// Dropping root and entering namespaces. Order matters: drop to the non-root uid first, then
// create the user namespace (so the program is nobody outside, not root-without-capabilities),
// map that uid to itself inside, and create the other namespaces owned by it.
#include "sandbox/namespaces.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace rlvr::sandbox::detail {
namespace {

constexpr uid_t kNobody = 65534;
constexpr int kNamespaceFlags =
    CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;

bool write_file(const char* path, const std::string& text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd == -1) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

}  // namespace

IdentityPlan plan_identity() {
  IdentityPlan plan;
  plan.drop_root = geteuid() == 0;
  plan.uid = plan.drop_root ? kNobody : geteuid();
  plan.gid = plan.drop_root ? kNobody : getegid();
  plan.uid_map = std::to_string(plan.uid) + " " + std::to_string(plan.uid) + " 1\n";
  plan.gid_map = std::to_string(plan.gid) + " " + std::to_string(plan.gid) + " 1\n";
  return plan;
}

const char* drop_identity(const IdentityPlan& plan) {
  if (!plan.drop_root) return nullptr;
  if (setgroups(0, nullptr) == -1) return "setgroups";
  if (setresgid(plan.gid, plan.gid, plan.gid) == -1) return "setresgid";
  if (setresuid(plan.uid, plan.uid, plan.uid) == -1) return "setresuid";
  // Changing uid made us non-dumpable, which makes /proc/self/uid_map root-owned: undo that.
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1) return "prctl(PR_SET_DUMPABLE)";
  return nullptr;
}

const char* enter_namespaces(const IdentityPlan& plan) {
  if (unshare(kNamespaceFlags) == -1) return "unshare(user, mount, net, pid, ipc, uts)";
  if (!write_file("/proc/self/setgroups", "deny")) return "write /proc/self/setgroups";
  if (!write_file("/proc/self/uid_map", plan.uid_map)) return "write /proc/self/uid_map";
  if (!write_file("/proc/self/gid_map", plan.gid_map)) return "write /proc/self/gid_map";
  return nullptr;
}

bool namespaces_available(std::string* why) {
  static std::once_flag once;
  static bool available = false;
  static std::string reason;
  std::call_once(once, [] {
    IdentityPlan plan = plan_identity();
    int report[2];
    if (pipe2(report, O_CLOEXEC) == -1) {
      reason = std::string("pipe: ") + std::strerror(errno);
      return;
    }
    pid_t pid = fork();
    if (pid == 0) {
      const char* failed = drop_identity(plan);
      if (!failed) failed = enter_namespaces(plan);
      if (failed) {
        char line[256];
        int n = std::snprintf(line, sizeof line, "%s: %s", failed, std::strerror(errno));
        if (write(report[1], line, n) < 0) _exit(2);
        _exit(1);
      }
      _exit(0);
    }
    close(report[1]);
    char line[256] = {};
    ssize_t n = pid > 0 ? read(report[0], line, sizeof line - 1) : -1;
    close(report[0]);
    int status = 0;
    if (pid > 0) waitpid(pid, &status, 0);
    available = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!available) {
      reason = pid < 0 ? std::string("fork: ") + std::strerror(errno) : std::string(line, n > 0 ? n : 0);
      std::fprintf(stderr,
                   "rlvr sandbox: namespaces unavailable (%s); running with rlimits, seccomp and a "
                   "non-root uid only\n",
                   reason.c_str());
    }
  });
  if (why) *why = reason;
  return available;
}

}  // namespace rlvr::sandbox::detail
