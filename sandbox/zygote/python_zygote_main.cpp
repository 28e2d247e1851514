// rlvr_python_zygote: a Python interpreter initialized once (isolated mode, no site, common
// modules imported) that forks once per run. Each fork isolates itself with the same code as
// the exec path (non-root uid, namespaces, private view, rlimits, seccomp) and then runs
// /tmp/main.py, which saves the interpreter's start-up (most of a short run's cost).
//
// Started by the sandbox library with its control socket on fd 3; exits when that closes.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "sandbox/filesystem_view.h"
#include "sandbox/languages.h"
#include "sandbox/namespaces.h"
#include "sandbox/rlimits.h"
#include "sandbox/seccomp_policy.h"
#include "sandbox/zygote_protocol.h"

namespace {

using namespace rlvr::sandbox::detail;

constexpr int kControlFd = 3;

// Modules most test programs import; importing them here makes them free in every run.
constexpr const char* kPreimported[] = {
    "re",        "math",     "collections", "itertools", "functools", "heapq",  "bisect",
    "string",    "operator", "copy",        "random",    "typing",    "json",   "fractions",
    "decimal",   "datetime", "statistics",  "array",     "ctypes",    "socket", "traceback",
    "linecache", "io",       "os",          "sys",       "time",      "struct", "cmath",
};

// Runs /tmp/main.py as `python3 main.py` would (same __main__, traceback and exit code), then
// leaves with os._exit: a full interpreter finalization would touch every object inherited
// from the zygote and copy most of its memory.
constexpr const char* kRunMain = R"PY(
import sys, os, __main__
def run_main():
    sys.argv[:] = ['/tmp/main.py']
    namespace = __main__.__dict__
    namespace['__file__'] = '/tmp/main.py'
    code = 0
    try:
        with open('/tmp/main.py', 'rb') as f:
            source = f.read()
        exec(compile(source, '/tmp/main.py', 'exec'), namespace)
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except BaseException as e:
        e.__traceback__ = e.__traceback__.tb_next  # hide run_main's own frame
        sys.excepthook(type(e), e, e.__traceback__)
        code = 1
    if 'threading' in sys.modules:
        sys.modules['threading']._shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(code & 0xff)
run_main()
)PY";

struct Plans {
  IdentityPlan identity;
  ViewPlan view;
  const std::vector<sock_filter>* seccomp;
};

void init_python() {
  PyPreConfig pre;
  PyPreConfig_InitIsolatedConfig(&pre);
  pre.utf8_mode = 1;  // what `python3` does under the C locale of an empty environment
  Py_PreInitialize(&pre);
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.site_import = 0;
  config.write_bytecode = 0;
  config.install_signal_handlers = 1;  // as the python3 command: SIGPIPE and SIGXFSZ ignored
  config.safe_path = 1;
  PyConfig_SetString(&config, &config.home, L"/usr");
  PyConfig_SetString(&config, &config.program_name, L"/usr/bin/python3");
  PyConfig_SetString(&config, &config.executable, L"/usr/bin/python3");
  PyStatus status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) Py_ExitStatusException(status);
  for (const char* name : kPreimported) {
    PyObject* module = PyImport_ImportModule(name);
    if (!module) PyErr_Clear();
    Py_XDECREF(module);
  }
  // Move everything alive now out of the collector's reach, so that a run's garbage collection
  // does not write to (and so copy) the pages it shares with the zygote.
  PyRun_SimpleString("import gc; gc.collect(); gc.freeze()");
}

[[noreturn]] void report_setup_failure(int report_fd, const char* what) {
  ZygoteReport report;
  report.setup_errno = errno ? errno : EINVAL;
  std::snprintf(report.setup_error, sizeof report.setup_error, "%s", what);
  send_with_fds(report_fd, &report, sizeof report, nullptr, 0);
  _exit(126);
}

// The program process: pid 1 of the new pid namespace. Runs main.py and exits like python3.
[[noreturn]] void run_program(const Plans& plans, const ZygoteRequest& request, const int* fds) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  setsid();
  if (dup2(fds[0], 0) == -1 || dup2(fds[1], 1) == -1 || dup2(fds[2], 2) == -1) _exit(126);
  if (apply_rlimits(request.rlimits)) _exit(126);
  close_range(3, ~0U, 0);
  if (install_seccomp(*plans.seccomp) == -1) _exit(126);
  PyOS_AfterFork_Child();
  PyObject* globals = PyDict_New();
  PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
  PyObject* done = PyRun_String(kRunMain, Py_file_input, globals, globals);
  if (!done) PyErr_Print();
  _exit(done ? 0 : 1);  // kRunMain exits itself; this is only reached if it broke
}

// The setup process of one run (a child of the zygote): isolates, forks the program, then
// waits for it or for a kill request, and reports how it ended.
[[noreturn]] void run_setup(Plans& plans, const ZygoteRequest& request, const int* fds) {
  const int report_fd = fds[4];
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  close(kControlFd);
  plans.view.files_to_copy[0].first = fds[3];
  plans.view.work_mount_options = "size=" + std::to_string(request.work_dir_mb) + "m,mode=0700";
  if (const char* what = drop_identity(plans.identity)) report_setup_failure(report_fd, what);
  if (const char* what = enter_namespaces(plans.identity)) report_setup_failure(report_fd, what);
  if (const char* what = enter_view(plans.view)) report_setup_failure(report_fd, what);
  pid_t program = fork();
  if (program == -1) report_setup_failure(report_fd, "fork into the pid namespace");
  if (program == 0) run_program(plans, request, fds);
  for (int i = 0; i < 4; ++i) close(fds[i]);
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, program, 0));
  pollfd watch[2] = {{report_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
  while (poll(watch, 2, -1) == -1 && errno == EINTR) {
  }
  if (!(watch[1].revents & POLLIN)) kill(program, SIGKILL);  // asked to stop (or caller gone)
  int status = 0;
  rusage usage{};
  while (wait4(program, &status, 0, &usage) == -1 && errno == EINTR) {
  }
  ZygoteReport report;
  report.wait_status = status;
  report.cpu_us = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000LL + usage.ru_utime.tv_usec +
                  usage.ru_stime.tv_usec;
  report.maxrss_kb = usage.ru_maxrss;
  send_with_fds(report_fd, &report, sizeof report, nullptr, 0);
  _exit(0);
}

}  // namespace

int main() {
  Plans plans{plan_identity(), plan_view(language_spec("python"), {{-1, "main.py"}}, 64), &seccomp_program()};
  init_python();
  while (true) {
    // Reap finished setup processes (waiting, rather than ignoring SIGCHLD, keeps their CPU
    // time in our own accounts, which the benchmark reads).
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    pollfd control{kControlFd, POLLIN, 0};
    if (poll(&control, 1, 200) == 0) continue;
    ZygoteRequest request;
    int fds[kZygoteFdCount];
    errno = 0;
    int count = recv_with_fds(kControlFd, &request, sizeof request, fds, kZygoteFdCount);
    if (count == -1) {
      if (errno == EINTR) continue;
      return 0;  // the library closed the control socket: we are done
    }
    if (count != kZygoteFdCount) {
      for (int i = 0; i < count; ++i) close(fds[i]);
      continue;
    }
    pid_t setup = fork();
    if (setup == 0) run_setup(plans, request, fds);
    for (int fd : fds) close(fd);
  }
}
