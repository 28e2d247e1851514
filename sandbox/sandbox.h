// The sandbox contract: run one untrusted program (Python 3 today) in a child process with
// limits, a seccomp filter, namespaces and a non-root identity, and report how it ended.
#pragma once

#include <cstdint>
#include <string>

namespace rlvr::sandbox {

enum class Status {
  ok,               // exited with code 0
  runtime_error,    // exited with a non-zero code (e.g. a Python exception)
  timeout,          // wall-clock or CPU limit reached
  memory_limit,     // address-space limit reached (MemoryError, or killed near the limit)
  output_limit,     // stdout or stderr went past its cap
  blocked_syscall,  // killed by the seccomp filter (SIGSYS)
  killed,           // ended by any other signal
};
const char* to_string(Status status);

// The defaults here are the defaults of every config that sets limits ([sandbox], code_tests
// options); limit_fields.h lists the members by key with the values the sandbox accepts.
struct SandboxLimits {
  double wall_time_s = 10.0;                // the whole process tree is killed after this
  double cpu_time_s = 10.0;                 // RLIMIT_CPU (rounded up to whole seconds)
  std::int64_t memory_mb = 512;             // RLIMIT_AS
  std::int64_t max_processes = 32;          // RLIMIT_NPROC (per sandbox when the user namespace is on)
  std::int64_t max_file_mb = 16;            // RLIMIT_FSIZE
  std::int64_t max_open_files = 64;         // RLIMIT_NOFILE
  std::int64_t max_output_bytes = 1 << 20;  // cap for each of stdout and stderr
  std::int64_t work_dir_mb = 64;            // size of the work dir (a tmpfs) with namespaces on
  // Namespaces (user, net, pid, mount, ipc, uts) and the private filesystem view. When the kernel
  // refuses them the run falls back to rlimits + seccomp + non-root uid, and says so once.
  bool use_namespaces = true;
  // Python only, needs the namespaces: fork a pre-initialized interpreter (the zygote) instead
  // of starting a new one; same isolation, a fraction of the start-up cost.
  bool use_zygote = true;
};

struct Program {
  std::string language = "python";  // see languages.h for the ones known
  std::string source;               // written to the work directory as the main file
  std::string stdin_data;           // fed on stdin, then stdin is closed
};

struct RunResult {
  Status status = Status::ok;
  int exit_code = -1;  // when the program exited; -1 when a signal ended it
  int signal = 0;      // the signal that ended it, 0 when it exited
  std::string stdout_text, stderr_text;
  bool stdout_truncated = false, stderr_truncated = false;
  double wall_ms = 0, cpu_ms = 0;
  std::int64_t peak_memory_kb = 0;  // peak resident set size of the program
  std::string isolation;            // "namespaces", "namespaces (zygote)" or "fallback: <why>"
};

// Runs one program to completion. Throws rlvr::Error only for faults of ours or of the host
// (no temp dir, fork failed, unknown language); whatever the program does becomes a RunResult.
// Safe to call from several threads at once.
RunResult run(const Program& program, const SandboxLimits& limits = {});

}  // namespace rlvr::sandbox
