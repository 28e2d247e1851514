// The library's side of the Python zygote: starts the helper once per process, hands it runs.
#pragma once

#include <sys/types.h>

#include <mutex>

#include "sandbox/zygote_protocol.h"

namespace rlvr::sandbox::detail {

class PythonZygote {
 public:
  // The process-wide zygote, started on first use (and again if it died); nullptr when this
  // build has no zygote or it cannot start.
  static PythonZygote* get();

  // Hands one run to the zygote. Returns the run socket (see ZygoteReport; the caller closes
  // it), or -1 when the zygote is gone and could not be restarted.
  int start_run(const ZygoteRequest& request, int stdin_fd, int stdout_fd, int stderr_fd, int source_fd);

  pid_t pid() const { return pid_; }

 private:
  friend pid_t python_zygote_pid();
  static PythonZygote& instance();  // without starting it
  bool start_locked();
  std::mutex mutex_;
  int control_ = -1;
  pid_t pid_ = -1;
};

// The zygote's pid, or -1 when it is not running; never starts it (tests use it to tell the
// zygote apart from leaked processes).
pid_t python_zygote_pid();

}  // namespace rlvr::sandbox::detail
