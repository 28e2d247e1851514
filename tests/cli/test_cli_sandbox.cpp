// `rlvr sandbox run`: one JSON object per run, and clean errors for bad arguments.
#include <gtest/gtest.h>

#include "cli_runner.h"
#include <stdlib.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

using cli_test::Result;
using cli_test::run_rlvr;

// A temp dir for the test's files, removed at exit.
struct TempDir {
  std::string path;
  TempDir() {
    char pattern[] = "/tmp/rlvr-cli-sandbox-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::string write_temp(const std::string& name, const std::string& text) {
  static TempDir dir;
  std::string path = dir.path + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(CliSandbox, RunPrintsOneJsonObject) {
  struct Case {
    const char* name;
    std::string program, stdin_text, flags, status, stdout_text;
  } cases[] = {
      {"echo", "import sys\nprint(sys.stdin.read().strip() * 2)", "ab", "", "ok", "abab\n"},
      {"socket", "import socket\nsocket.socket()", "", "", "blocked_syscall", ""},
      {"sleep", "import time\ntime.sleep(5)", "", "--time-limit-s 0.3", "timeout", ""},
      {"memory", "x = bytearray(200 << 20)", "", "--memory-mb 100", "memory_limit", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string program = write_temp(std::string(c.name) + ".py", c.program);
    std::string stdin_file = write_temp(std::string(c.name) + ".in", c.stdin_text);
    Result r = run_rlvr("sandbox run " + c.flags + " --stdin " + stdin_file + " " + program);
    ASSERT_EQ(r.code, 0) << r.out;
    nlohmann::json result = nlohmann::json::parse(r.out);
    EXPECT_EQ(result["status"], c.status) << r.out;
    EXPECT_EQ(result["stdout"], c.stdout_text) << r.out;
    for (const char* key : {"exit_code", "signal", "stderr", "stdout_truncated", "stderr_truncated",
                            "wall_ms", "cpu_ms", "peak_memory_kb", "isolation"})
      EXPECT_TRUE(result.contains(key)) << key;
  }
}

TEST(CliSandbox, BadArgumentsAreCleanErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"sandbox", "expected the subcommand 'run'"},
      {"sandbox run /nonexistent/prog.py", "cannot read file: program '/nonexistent/prog.py'"},
      {"sandbox run --lang cobol " + write_temp("x.py", "pass"), "unknown language"},
      {"sandbox run --bogus 1 x.py", "unknown option"},
      {"sandbox run --time-limit-s abc x.py", "expected a number"},
  };
  for (const auto& [args, message] : cases) {
    Result r = run_rlvr(args);
    EXPECT_EQ(r.code, 1) << args;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << " -> " << r.out;
  }
}

}  // namespace
