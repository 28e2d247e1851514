// The seccomp policy: which syscalls kill the sandboxed program.
//
// NOTE: default-allow with a deny list, not default-deny. The confinement proper comes from the
// namespaces, the non-root uid, the read-only view and the rlimits; seccomp removes the kernel
// interfaces that let a process get out of those (mount, unshare/setns, ptrace, kexec, modules)
// or that have a record of privilege-escalation bugs (bpf, perf_event_open, userfaultfd,
// io_uring, keyctl), plus networking, and stays in force when the namespaces are unavailable.
// A default-deny allow list would have to track every syscall that CPython, glibc and future
// languages (compiled C++) use across versions (rseq, clone3, statx, getrandom, ...); a missing
// entry kills a correct solution and silently turns a right answer into a zero reward, which is
// the worse failure for an RL reward. Denied calls kill the whole process (SIGSYS), so the run
// reports `blocked_syscall` instead of a confusing error deep in the program.
#include "sandbox/seccomp_policy.h"

#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "common/error.h"

namespace rlvr::sandbox::detail {
namespace {

// Syscalls a test program never needs, each a way out of the sandbox or a large attack surface.
constexpr const char* kDenied[] = {
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",  // other processes
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",  // the filesystem view
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "unshare",
    "setns",  // new namespaces
    "kexec_load",
    "kexec_file_load",
    "reboot",  // the machine
    "init_module",
    "finit_module",
    "delete_module",  // kernel modules
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",  // attack surface
    "keyctl",
    "add_key",
    "request_key",  // kernel keyrings
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "vhangup",
    "uselib",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",  // the clock
    "sethostname",
    "setdomainname",
    "iopl",
    "ioperm",
    "open_by_handle_at",
    "name_to_handle_at",
    "lookup_dcookie",
    "fanotify_init",
    "migrate_pages",
    "move_pages",
    "kcmp",
};

// clone() flags that would create namespaces (clone3 is refused outright below).
constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWNET,   CLONE_NEWPID,
                                             CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP};

void add_rule(scmp_filter_ctx ctx, uint32_t action, const char* name, unsigned count = 0,
              const scmp_arg_cmp* args = nullptr) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return;  // not on this architecture
  int rc = seccomp_rule_add_array(ctx, action, nr, count, args);
  if (rc != 0) RLVR_FAIL("sandbox", "seccomp_rule_add failed", name, ": ", std::strerror(-rc));
}

std::vector<sock_filter> build() {
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW), seccomp_release);
  RLVR_CHECK(ctx, "sandbox", "seccomp_init failed");
  // Syscalls of another ABI (i386 int 0x80, x32) would bypass a per-name list: kill them.
  RLVR_CHECK(seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) == 0, "sandbox",
             "seccomp_attr_set(BADARCH) failed");
  for (const char* name : kDenied) add_rule(ctx.get(), SCMP_ACT_KILL_PROCESS, name);

  // Sockets: only AF_UNIX (local pipes between the program's own processes).
  scmp_arg_cmp not_unix = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
  add_rule(ctx.get(), SCMP_ACT_KILL_PROCESS, "socket", 1, &not_unix);
  add_rule(ctx.get(), SCMP_ACT_KILL_PROCESS, "socketpair", 1, &not_unix);

  // personality(): only the query form 0xffffffff (changing it can disable ASLR).
  scmp_arg_cmp not_query = SCMP_A0(SCMP_CMP_NE, 0xffffffffu);
  add_rule(ctx.get(), SCMP_ACT_KILL_PROCESS, "personality", 1, &not_query);

  for (unsigned long flag : kNamespaceFlags) {
    scmp_arg_cmp has_flag = SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag);
    add_rule(ctx.get(), SCMP_ACT_KILL_PROCESS, "clone", 1, &has_flag);
  }
  // clone3 passes its flags in memory, out of the filter's reach: make it look absent, and glibc
  // falls back to clone(), whose flags are checked above.
  add_rule(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), "clone3");

  // libseccomp 2.5 exports only to a file descriptor: go through a memfd.
  int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
  RLVR_CHECK_ERRNO(fd, "sandbox", "memfd_create for the seccomp program");
  int rc = seccomp_export_bpf(ctx.get(), fd);
  off_t size = lseek(fd, 0, SEEK_END);
  std::vector<sock_filter> program(size > 0 ? size / sizeof(sock_filter) : 0);
  ssize_t got = pread(fd, program.data(), program.size() * sizeof(sock_filter), 0);
  close(fd);
  if (rc != 0) RLVR_FAIL("sandbox", "seccomp_export_bpf failed", std::strerror(-rc));
  RLVR_CHECK(!program.empty() && got == static_cast<ssize_t>(program.size() * sizeof(sock_filter)), "sandbox",
             "reading back the seccomp program failed");
  return program;
}

}  // namespace

const std::vector<sock_filter>& seccomp_program() {
  static const std::vector<sock_filter> program = build();
  return program;
}

int install_seccomp(const std::vector<sock_filter>& program) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) return -1;
  sock_fprog prog{static_cast<unsigned short>(program.size()), const_cast<sock_filter*>(program.data())};
  return static_cast<int>(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
}

}  // namespace rlvr::sandbox::detail
