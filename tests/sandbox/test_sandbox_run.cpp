// The basic behaviour of sandbox::run: output and stdin, exit codes, caps, limits, timing
// figures, the fallback without namespaces, and errors for bad requests.
#include <gtest/gtest.h>

#include "common/error.h"
#include "sandbox/sandbox.h"
#include "sandbox_test_util.h"

namespace rlvr::sandbox {
namespace {

struct RunCase {
  const char* name;
  const char* source;
  const char* stdin_data;
  Status status;
  int exit_code;
  const char* stdout_text;  // exact
  const char* stderr_has;
};

TEST(SandboxRun, TableOfPrograms) {
  testing::isolate_test_process();
  const RunCase cases[] = {
      {"hello", "print('hello')", "", Status::ok, 0, "hello\n", ""},
      {"echo stdin", "import sys\nprint(sys.stdin.read().upper(), end='')", "abc\ndef\n", Status::ok, 0,
       "ABC\nDEF\n", ""},
      {"no stdin is EOF", "import sys\nprint(repr(sys.stdin.read()))", "", Status::ok, 0, "''\n", ""},
      {"exit code", "import sys\nsys.exit(3)", "", Status::runtime_error, 3, "", ""},
      {"exception", "print('before')\nraise ValueError('boom')", "", Status::runtime_error, 1, "before\n",
       "ValueError: boom"},
      {"both streams", "import sys\nprint('out')\nprint('err', file=sys.stderr)", "", Status::ok, 0, "out\n",
       "err"},
      {"writes in its work dir", "open('a.txt','w').write('x'*10)\nprint(open('a.txt').read())", "",
       Status::ok, 0, "xxxxxxxxxx\n", ""},
      {"cwd and file name", "import os\nprint(os.getcwd(), os.listdir('.'))", "", Status::ok, 0,
       "/tmp ['main.py']\n", ""},
      {"unicode", "print('\\u00e9\\u4e2d')", "", Status::ok, 0, "\u00e9\u4e2d\n", ""},
      {"memory", "x = bytearray(300 << 20)", "", Status::memory_limit, 1, "", "MemoryError"},
  };
  SandboxLimits limits;
  limits.wall_time_s = 5;
  limits.memory_mb = 200;
  for (const RunCase& c : cases) {
    SCOPED_TRACE(c.name);
    RunResult r = run({"python", c.source, c.stdin_data}, limits);
    EXPECT_EQ(to_string(r.status), std::string(to_string(c.status))) << r.stderr_text;
    EXPECT_EQ(r.exit_code, c.exit_code);
    EXPECT_EQ(r.signal, 0);
    EXPECT_EQ(r.stdout_text, c.stdout_text);
    EXPECT_NE(r.stderr_text.find(c.stderr_has), std::string::npos) << r.stderr_text;
    EXPECT_GT(r.wall_ms, 0);
    EXPECT_GT(r.peak_memory_kb, 1000);
  }
}

TEST(SandboxRun, OutputCapKeepsTheFirstBytesAndFlagsTruncation) {
  SandboxLimits limits;
  limits.max_output_bytes = 1000;
  RunResult r =
      run({"python",
           "import sys\nsys.stdout.write('a' * 999)\nsys.stdout.flush()\nsys.stderr.write('b' * 5000)", ""},
          limits);
  EXPECT_EQ(r.status, Status::output_limit);
  EXPECT_EQ(r.stdout_text, std::string(999, 'a'));
  EXPECT_FALSE(r.stdout_truncated);
  EXPECT_EQ(r.stderr_text, std::string(1000, 'b'));
  EXPECT_TRUE(r.stderr_truncated);
}

TEST(SandboxRun, WallClockAndCpuLimitsBothEndInTimeout) {
  SandboxLimits limits;
  limits.wall_time_s = 0.5;
  RunResult sleeper = run({"python", "import time\ntime.sleep(30)", ""}, limits);
  EXPECT_EQ(sleeper.status, Status::timeout);
  EXPECT_LT(sleeper.wall_ms, 3000);
  EXPECT_LT(sleeper.cpu_ms, 300);
  limits.wall_time_s = 10;
  limits.cpu_time_s = 1;
  RunResult spinner = run({"python", "while True: pass", ""}, limits);
  EXPECT_EQ(spinner.status, Status::timeout);
  EXPECT_EQ(spinner.signal, SIGKILL);
  EXPECT_LT(spinner.wall_ms, 8000);  // ended by RLIMIT_CPU, well before the wall clock
}

TEST(SandboxRun, FallbackWithoutNamespacesStillLimitsAndFilters) {
  testing::isolate_test_process();
  SandboxLimits limits;
  limits.use_namespaces = false;
  limits.wall_time_s = 5;
  RunResult hello = run(
      {"python", "import os\nprint(os.getuid() != 0, dict(os.environ).keys() <= {'LC_CTYPE'})", ""}, limits);
  EXPECT_EQ(hello.status, Status::ok) << hello.stderr_text;
  EXPECT_EQ(hello.stdout_text, "True True\n");
  EXPECT_EQ(hello.isolation, "fallback: namespaces off");
  RunResult net = run({"python", "import socket\nsocket.socket()", ""}, limits);
  EXPECT_EQ(net.status, Status::blocked_syscall);
  RunResult bomb = run({"python", "x = bytearray(8 << 30)", ""}, limits);
  EXPECT_EQ(bomb.status, Status::memory_limit);
  EXPECT_TRUE(testing::no_children_left());
}

TEST(SandboxRun, BadRequestsAreErrorsNamingTheProblem) {
  try {
    run({"cobol", "DISPLAY 'HI'.", ""});
    FAIL() << "expected an error";
  } catch (const rlvr::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("unknown language"), std::string::npos) << message;
    EXPECT_NE(message.find("'cobol' (known: python)"), std::string::npos) << message;
    EXPECT_NE(message.find("(languages.cpp:"), std::string::npos) << message;
  }
  auto limits_error = [](const SandboxLimits& bad) -> std::string {
    try {
      run({"python", "pass", ""}, bad);
    } catch (const rlvr::Error& e) {
      return e.what();
    }
    return "";
  };
  SandboxLimits bad;
  bad.wall_time_s = 0;
  EXPECT_NE(limits_error(bad).find("limit out of range: wall_time_s = 0 (allowed: > 0)"), std::string::npos)
      << limits_error(bad);
  bad = SandboxLimits{};
  bad.max_open_files = 2;
  EXPECT_NE(limits_error(bad).find("limit out of range: max_open_files = 2 (allowed: >= 4)"), std::string::npos)
      << limits_error(bad);
}

}  // namespace
}  // namespace rlvr::sandbox
