// The zygote path: the source and stdin go to the zygote as memfds with the output pipes and
// a run socket; the run's setup process reports on that socket how the program ended, and a
// byte sent back on it stops the program.
#include <poll.h>
#include <sys/socket.h>

#include "common/error.h"
#include "sandbox/fd_util.h"
#include "sandbox/python_zygote.h"
#include "sandbox/rlimits.h"
#include "sandbox/spawn.h"

namespace rlvr::sandbox::detail {

std::optional<Outcome> run_in_zygote(const Program& program, const SandboxLimits& limits,
                                     OutputCapture& capture) {
  PythonZygote* zygote = PythonZygote::get();
  if (!zygote) return std::nullopt;
  ZygoteRequest request;
  request.rlimits = plan_rlimits(limits);
  request.work_dir_mb = limits.work_dir_mb;
  UniqueFd source(memfd_with(program.source, "sandbox-source"));
  UniqueFd stdin_fd(memfd_with(program.stdin_data, "sandbox-stdin"));
  const auto deadline = std::chrono::time_point_cast<OutputCapture::Clock::duration>(
      OutputCapture::Clock::now() + std::chrono::duration<double>(limits.wall_time_s));
  UniqueFd run(zygote->start_run(request, stdin_fd.get(), capture.stdout_write_end(),
                                 capture.stderr_write_end(), source.get()));
  if (run.get() < 0) return std::nullopt;
  capture.close_write_ends();

  Outcome outcome;
  outcome.stop = capture.pump(run.get(), deadline);
  if (outcome.stop != OutputCapture::Stop::exited) {
    char stop_now = 'k';
    send(run.get(), &stop_now, 1, MSG_NOSIGNAL);
  }
  ZygoteReport report;
  pollfd wait_report{run.get(), POLLIN, 0};
  int ready = poll(&wait_report, 1, 5000);
  int received = ready == 1 ? recv_with_fds(run.get(), &report, sizeof report, nullptr, 0) : -1;
  // If our stop byte reached the setup process after it had reported and exited, the kernel
  // flags our socket with ECONNRESET once, ahead of the report still queued: read again.
  if (received == -1 && errno == ECONNRESET)
    received = recv_with_fds(run.get(), &report, sizeof report, nullptr, 0);
  capture.drain(std::chrono::milliseconds(1000));
  if (received != 0)
    RLVR_FAIL("sandbox", "the zygote lost a run", "no report from its setup process (",
              ready == 1 ? "connection closed" : "timed out", ", stop ", static_cast<int>(outcome.stop), ")");
  if (report.setup_errno)
    RLVR_FAIL("sandbox", "cannot start the program", report.setup_error, ": ",
              std::strerror(report.setup_errno));
  outcome.wait_status = report.wait_status;
  outcome.cpu_ms = report.cpu_us / 1e3;
  outcome.peak_memory_kb = report.maxrss_kb;
  return outcome;
}

}  // namespace rlvr::sandbox::detail
