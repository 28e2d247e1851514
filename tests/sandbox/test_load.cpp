// Load: 1000 runs on 8 workers, one in ten hostile, every verdict checked, and no descriptor,
// child process or work dir left behind.
#include <gtest/gtest.h>

#include "sandbox/sandbox.h"
#include "sandbox_test_util.h"

namespace rlvr::sandbox {
namespace {

struct LoadCase {
  std::string source;
  Status status;
  std::string stdout_text;  // checked when non-empty
};

LoadCase case_for(std::size_t i) {
  static const LoadCase hostile[] = {
      {"import socket\nsocket.create_connection(('127.0.0.1', 80))", Status::blocked_syscall, ""},
      {"x = bytearray(4 << 30)", Status::memory_limit, ""},
      {"import os\nwhile True: os.fork()", Status::runtime_error, ""},
      {"import sys\nwhile True: sys.stdout.write('x' * 4096)", Status::output_limit, ""},
      {"open('/etc/shadow').read()", Status::runtime_error, ""},
      {"import ctypes\nctypes.CDLL(None).unshare(0x10000000)", Status::blocked_syscall, ""},
      {"import os\nif os.fork() == 0:\n    os.setsid()\n    while True: pass\nprint('left')", Status::ok,
       "left\n"},
      {"import time\ntime.sleep(10)", Status::timeout, ""},
      {"while True: pass", Status::timeout, ""},
      {"import os, signal\nos.kill(-1, signal.SIGKILL)\nprint('alive')", Status::runtime_error, ""},
  };
  if (i % 10 == 3) return hostile[(i / 10) % std::size(hostile)];
  // An honest program whose answer depends on i.
  return {"n = " + std::to_string(i) + "\nprint(sum(k * k for k in range(n)))", Status::ok,
          std::to_string((i - 1) * i * (2 * i - 1) / 6) + "\n"};
}

TEST(SandboxLoad, ThousandRunsOnEightWorkersTenthHostile) {
  const std::string tmp = testing::isolate_test_process();
  SandboxLimits limits;
  limits.wall_time_s = 3;  // room for the fork bomb on a loaded 2-core machine
  limits.cpu_time_s = 1;
  limits.max_processes = 8;
  limits.memory_mb = 256;
  limits.max_output_bytes = 16 << 10;
  run({"python", "pass", ""}, limits);  // starts the zygote, whose socket stays open
  const std::size_t fds_before = testing::open_fd_count();
  const std::size_t runs = 1000;
  std::vector<RunResult> results(runs);
  testing::parallel_for(runs, 8, [&](std::size_t i) {
    results[i] = run({"python", case_for(i).source, ""}, limits);
  });
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < runs; ++i) {
    LoadCase expected = case_for(i);
    bool ok = results[i].status == expected.status &&
              (expected.stdout_text.empty() || results[i].stdout_text == expected.stdout_text);
    if (!ok && ++wrong <= 5)
      ADD_FAILURE() << "run " << i << ": got " << to_string(results[i].status) << " '"
                    << results[i].stdout_text << "' " << results[i].stderr_text.substr(0, 300) << "\nfor:\n"
                    << expected.source;
  }
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(testing::open_fd_count(), fds_before);
  EXPECT_TRUE(testing::no_children_left());
  EXPECT_EQ(testing::count_entries(tmp), 0u);
}

}  // namespace
}  // namespace rlvr::sandbox
