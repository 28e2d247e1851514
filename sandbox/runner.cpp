// sandbox::run: picks the way to start the program (the Python zygote when it can, else a
// fresh interpreter), then turns how it ended into a RunResult.
#include <signal.h>
#include <sys/wait.h>

#include <cmath>

#include "sandbox/languages.h"
#include "sandbox/namespaces.h"
#include "sandbox/output_capture.h"
#include "sandbox/rlimits.h"
#include "sandbox/sandbox.h"
#include "sandbox/spawn.h"

namespace rlvr::sandbox {

const char* to_string(Status status) {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::runtime_error:
      return "runtime_error";
    case Status::timeout:
      return "timeout";
    case Status::memory_limit:
      return "memory_limit";
    case Status::output_limit:
      return "output_limit";
    case Status::blocked_syscall:
      return "blocked_syscall";
    case Status::killed:
      return "killed";
  }
  return "unknown";
}

namespace {

using namespace detail;

Status classify(const RunResult& r, OutputCapture::Stop stop, const SandboxLimits& limits,
                bool in_namespaces) {
  if (stop == OutputCapture::Stop::deadline) return Status::timeout;
  if (stop == OutputCapture::Stop::over_cap) return Status::output_limit;
  const bool near_memory_limit = r.peak_memory_kb * 10 >= limits.memory_mb * 1024 * 9;
  if (r.signal == 0) {
    if (r.exit_code == 0) return Status::ok;
    // CPython reports a failed allocation under RLIMIT_AS as MemoryError.
    if (r.stderr_text.find("MemoryError") != std::string::npos) return Status::memory_limit;
    return Status::runtime_error;
  }
  if (r.signal == SIGSYS) return Status::blocked_syscall;
  // RLIMIT_CPU sends SIGXCPU (ignored by a pid namespace's init), then SIGKILL at the hard
  // limit. With namespaces nothing else can SIGKILL the program (it is its namespace's init,
  // and we did not stop it); without, it could kill itself, so ask for CPU time used as well
  // (rusage reads well under the rlimit's own count on a busy machine).
  if (r.signal == SIGXCPU ||
      (r.signal == SIGKILL && (in_namespaces || r.cpu_ms >= std::ceil(limits.cpu_time_s) * 1000 * 0.5)))
    return near_memory_limit ? Status::memory_limit : Status::timeout;
  if ((r.signal == SIGSEGV || r.signal == SIGKILL || r.signal == SIGABRT) && near_memory_limit)
    return Status::memory_limit;
  return Status::killed;
}

}  // namespace

RunResult run(const Program& program, const SandboxLimits& limits) {
  const LanguageSpec& language = language_spec(program.language);
  plan_rlimits(limits);  // validates the limits before anything starts
  RunResult result;
  std::string why;
  const bool namespaces = limits.use_namespaces && namespaces_available(&why);
  result.isolation =
      namespaces ? "namespaces" : "fallback: " + (limits.use_namespaces ? why : "namespaces off");

  OutputCapture capture(static_cast<std::size_t>(limits.max_output_bytes));
  const auto start = OutputCapture::Clock::now();
  std::optional<Outcome> outcome;
  if (namespaces && limits.use_zygote && language.name == "python") {
    outcome = run_in_zygote(program, limits, capture);
    if (outcome) result.isolation += " (zygote)";
  }
  if (!outcome) outcome = run_exec(language, program, limits, namespaces, capture);
  result.wall_ms = std::chrono::duration<double, std::milli>(OutputCapture::Clock::now() - start).count();

  const int status = outcome->wait_status;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  result.cpu_ms = outcome->cpu_ms;
  result.peak_memory_kb = outcome->peak_memory_kb;
  result.stdout_text = capture.stdout_text();
  result.stderr_text = capture.stderr_text();
  result.stdout_truncated = capture.stdout_truncated();
  result.stderr_truncated = capture.stderr_truncated();
  result.status = classify(result, outcome->stop, limits, namespaces);
  return result;
}

}  // namespace rlvr::sandbox
