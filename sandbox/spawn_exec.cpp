// The exec path: Boost.Process forks, and its exec-setup hook (in the child, between fork and
// exec) drops root, enters the namespaces and the private view, applies the rlimits and the
// seccomp filter; the child then execs the interpreter.
//
// Process tree with namespaces:  us -> setup child (own process group, outside the new pid
// namespace, waits and passes on the exit status) -> program (pid 1 of the new namespace, so
// everything it forks dies with it). Without namespaces the setup child execs the program.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/start_dir.hpp>
#include <system_error>

#include "common/error.h"
#include "sandbox/fd_util.h"
#include "sandbox/filesystem_view.h"
#include "sandbox/namespaces.h"
#include "sandbox/rlimits.h"
#include "sandbox/seccomp_policy.h"
#include "sandbox/spawn.h"
#include "sandbox/work_dir.h"

namespace rlvr::sandbox::detail {

namespace {

namespace bp = boost::process;

// Everything the child needs, prepared before fork.
struct ChildPlan {
  bool namespaces = false;
  IdentityPlan identity;
  ViewPlan view;
  RlimitPlan rlimits;
  const std::vector<sock_filter>* seccomp = nullptr;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
};

char* empty_environment[] = {nullptr};

// The setup child's view of the program, for its SIGTERM handler (set after fork, in the child).
volatile pid_t g_program_pid = 0;

// SIGTERM to the setup child means "stop the run": kill the program (the pid namespace's init,
// so everything in it dies), then the waitpid below returns and the child exits. Killing the
// setup child first would orphan the program, leaving a zombie for whoever adopts it.
void kill_program(int) {
  if (g_program_pid > 0) kill(g_program_pid, SIGKILL);
}

// Passes on how the program ended: same exit code, or the same signal on ourselves.
[[noreturn]] void exit_like(int status) {
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  kill(getpid(), sig);
  _exit(128 + sig);
}

// Runs in the child between fork and exec. Returns only in the process that must exec.
struct ChildSetup : bp::extend::handler {
  const ChildPlan* plan;
  explicit ChildSetup(const ChildPlan* p) : plan(p) {}

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    auto fail = [&](const char* what) {
      exec.set_error(std::error_code(errno, std::system_category()), what);
      _exit(126);
    };
    const ChildPlan& p = *plan;
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (dup2(p.stdin_fd, 0) == -1 || dup2(p.stdout_fd, 1) == -1 || dup2(p.stderr_fd, 2) == -1)
      fail("sandbox: dup2 of stdio");
    if (const char* what = drop_identity(p.identity)) fail(what);
    if (p.namespaces) {
      if (const char* what = enter_namespaces(p.identity)) fail(what);
      if (const char* what = enter_view(p.view)) fail(what);
      sigset_t term, old_mask;
      sigemptyset(&term);
      sigaddset(&term, SIGTERM);
      sigprocmask(SIG_BLOCK, &term, &old_mask);
      pid_t program = fork();
      if (program == -1) fail("fork into the pid namespace");
      if (program > 0) {
        g_program_pid = program;
        struct sigaction action {};
        action.sa_handler = kill_program;
        sigaction(SIGTERM, &action, nullptr);
        sigprocmask(SIG_UNBLOCK, &term, nullptr);
        // Let go of every descriptor (Boost's error pipe too, so that the parent stops
        // waiting for exec) and pass on the program's end.
        close_range(0, ~0U, 0);
        int status = 0;
        while (waitpid(program, &status, 0) == -1 && errno == EINTR) {
        }
        exit_like(status);
      }
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      sigprocmask(SIG_SETMASK, &old_mask, nullptr);
      // A session of its own: the program's kill(0, ...) cannot reach the setup child.
      setsid();
    }
    if (const char* what = apply_rlimits(p.rlimits)) fail(what);
    // Nothing of ours may survive exec: mark every descriptor above stdio close-on-exec.
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1) fail("close_range");
    exec.env = empty_environment;
    if (install_seccomp(*p.seccomp) == -1) fail("install the seccomp filter");
  }
};

// Waits up to `limit` for `pid` to exit, without reaping it.
bool wait_for_exit(pid_t pid, std::chrono::milliseconds limit) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd == -1) return false;
  pollfd fd{pidfd, POLLIN, 0};
  int ready = poll(&fd, 1, static_cast<int>(limit.count()));
  close(pidfd);
  return ready == 1;
}

}  // namespace

Outcome run_exec(const LanguageSpec& language, const Program& program, const SandboxLimits& limits,
                 bool namespaces, OutputCapture& capture) {
  ChildPlan plan;
  plan.namespaces = namespaces;
  plan.identity = plan_identity();
  plan.rlimits = plan_rlimits(limits);
  plan.seccomp = &seccomp_program();

  WorkDir dir(plan.identity.uid, plan.identity.gid);
  UniqueFd main_fd(dir.write_file(language.main_file, program.source));
  if (plan.namespaces)
    plan.view = plan_view(language, {{main_fd.get(), language.main_file}}, limits.work_dir_mb);
  UniqueFd stdin_fd(memfd_with(program.stdin_data, "sandbox-stdin"));
  plan.stdin_fd = stdin_fd.get();
  plan.stdout_fd = capture.stdout_write_end();
  plan.stderr_fd = capture.stderr_write_end();

  std::vector<std::string> args(language.argv.begin() + 1, language.argv.end());
  const auto deadline = std::chrono::time_point_cast<OutputCapture::Clock::duration>(
      OutputCapture::Clock::now() + std::chrono::duration<double>(limits.wall_time_s));
  pid_t pid = -1;
  {
    // Without namespaces the program runs in the host tree: start it in the work dir.
    std::string cwd = plan.namespaces ? std::string("/") : dir.work();
    std::string failure;
    try {
      bp::child child(bp::exe = language.argv[0], bp::args = args, bp::start_dir = cwd, ChildSetup(&plan));
      pid = child.id();
      child.detach();  // we reap it ourselves with wait4, for its resource usage
    } catch (const bp::process_error& e) {
      failure = e.what();
    }
    stdin_fd.reset();
    main_fd.reset();
    capture.close_write_ends();
    if (!failure.empty()) RLVR_FAIL("sandbox", "cannot start the program", failure);
  }

  Outcome outcome;
  {
    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    RLVR_CHECK(pidfd.get() >= 0, "sandbox",
               "pidfd_open failed (Linux 5.3 or later is needed): ", std::strerror(errno));
    outcome.stop = capture.pump(pidfd.get(), deadline);
  }
  if (outcome.stop != OutputCapture::Stop::exited) {
    // With namespaces the setup child kills the program and waits for it; kill it too only
    // if it does not manage within a second. Without, kill the whole process group now.
    if (!plan.namespaces || kill(pid, SIGTERM) == -1 || !wait_for_exit(pid, std::chrono::seconds(1)))
      kill(-pid, SIGKILL);
  }
  rusage usage{};
  while (wait4(pid, &outcome.wait_status, 0, &usage) == -1 && errno == EINTR) {
  }
  kill(-pid, SIGKILL);  // whatever is left in the group (only possible without a pid namespace)
  capture.drain(std::chrono::milliseconds(1000));
  outcome.cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                   (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
  outcome.peak_memory_kb = usage.ru_maxrss;
  return outcome;
}

}  // namespace rlvr::sandbox::detail
