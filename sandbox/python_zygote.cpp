// Starting the zygote helper with Boost.Process and sending it runs over its control socket.
#include "sandbox/python_zygote.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <cstdio>
#include <filesystem>

namespace rlvr::sandbox::detail {
namespace {

namespace bp = boost::process;

char* empty_environment[] = {nullptr};

// In the helper between fork and exec: the control socket on fd 3, nothing else inherited.
struct ZygoteSetup : bp::extend::handler {
  int control;
  explicit ZygoteSetup(int fd) : control(fd) {}
  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    int null = open("/dev/null", O_RDWR);
    if (null == -1 || dup2(null, 0) == -1 || dup2(null, 1) == -1 || dup2(control, 3) == -1) {
      exec.set_error(std::error_code(errno, std::system_category()), "zygote stdio");
      _exit(126);
    }
    close_range(4, ~0U, CLOSE_RANGE_CLOEXEC);
    setsid();  // out of our process group and terminal: our signals are not its business
    exec.env = empty_environment;
  }
};

}  // namespace

PythonZygote& PythonZygote::instance() {
  static PythonZygote zygote;
  return zygote;
}

PythonZygote* PythonZygote::get() {
#ifdef RLVR_PYTHON_ZYGOTE
  PythonZygote& zygote = instance();
  std::lock_guard<std::mutex> lock(zygote.mutex_);
  if (zygote.control_ >= 0 || zygote.start_locked()) return &zygote;
#endif
  return nullptr;
}

bool PythonZygote::start_locked() {
#ifdef RLVR_PYTHON_ZYGOTE
  static bool missing_reported = false;
  if (!std::filesystem::exists(RLVR_PYTHON_ZYGOTE)) {
    if (!missing_reported)
      std::fprintf(stderr, "rlvr sandbox: no zygote at %s; starting Python per run\n", RLVR_PYTHON_ZYGOTE);
    missing_reported = true;
    return false;
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == -1) return false;
  try {
    bp::child child(bp::exe = RLVR_PYTHON_ZYGOTE, ZygoteSetup(pair[1]));
    pid_ = child.id();
    child.detach();
  } catch (const std::exception&) {
    close(pair[0]);
    close(pair[1]);
    return false;
  }
  close(pair[1]);
  control_ = pair[0];
  return true;
#else
  return false;
#endif
}

int PythonZygote::start_run(const ZygoteRequest& request, int stdin_fd, int stdout_fd, int stderr_fd,
                            int source_fd) {
  int run[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, run) == -1) return -1;
  const int fds[kZygoteFdCount] = {stdin_fd, stdout_fd, stderr_fd, source_fd, run[1]};
  std::lock_guard<std::mutex> lock(mutex_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (control_ >= 0 && send_with_fds(control_, &request, sizeof request, fds, kZygoteFdCount)) {
      close(run[1]);
      return run[0];
    }
    // The zygote is gone: reap it and start another.
    if (control_ >= 0) close(control_);
    control_ = -1;
    if (pid_ > 0 && kill(pid_, SIGKILL) == 0) waitpid(pid_, nullptr, 0);
    pid_ = -1;
    if (!start_locked()) break;
  }
  close(run[0]);
  close(run[1]);
  return -1;
}

pid_t python_zygote_pid() {
  PythonZygote& zygote = PythonZygote::instance();
  std::lock_guard<std::mutex> lock(zygote.mutex_);
  return zygote.control_ >= 0 ? zygote.pid_ : -1;
}

}  // namespace rlvr::sandbox::detail
