// `rlvr logs` end to end on a generated run: each subcommand's output, plain text when piped,
// and bad input (not a run, unknown filter values) as a clear message with exit code 1.
#include <gtest/gtest.h>

#include "cli_runner.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "testsupport/fake_run.h"
#include "testsupport/scratch.h"

namespace {

namespace fs = std::filesystem;

using cli_test::Result;
using cli_test::run_rlvr;

const std::string& run_dir() {
  static const std::string dir = [] {
    std::string d = rlvr::testsupport::scratch_path("cli_logs_run");
    fs::remove_all(d);
    rlvr::testsupport::write_fake_run(d);
    return d;
  }();
  return dir;
}

TEST(CliLogs, Subcommands) {
  const rlvr::testsupport::FakeRun run;
  long timeouts = 0;
  for (int p = 0; p < run.prompts_per_step; ++p)
    for (int g = 0; g < run.group_size; ++g) timeouts += rlvr::testsupport::fake_status(run, 2, p, g) == "timeout";
  ASSERT_GT(timeouts, 0);
  struct Case { std::string args; std::vector<std::string> expected; };
  const std::vector<Case> cases = {
      {"logs summary " + run_dir(), {"run.name = fake", "reward/step", "boxed_math"}},
      {"logs show " + run_dir() + " --step 2 --status timeout --json",
       {"\"status\":\"timeout\"", std::to_string(timeouts) + " of 96 samples match"}},
      {"logs show " + run_dir() + " --step 2: --verifier format --status wrong --grep 'not sure' --limit 1",
       {"── step 2", "I am not sure.", "1 shown (--limit)"}},
      {"logs show " + run_dir() + " --group 4", {"── prompt 4 · step 5 · 4 samples", " │ "}},
      {"logs diff " + run_dir() + " --step 1 --step 5 --prompt 4", {"── prompt 4: step 1 → step 5", "best completion"}},
      {"logs report " + run_dir() + " -o " + run_dir() + "/r.html", {"wrote ", "96 of 96 samples"}},
  };
  for (const Case& c : cases) {
    Result r = run_rlvr(c.args);
    EXPECT_EQ(r.code, 0) << c.args << "\n" << r.out;
    for (const std::string& piece : c.expected) EXPECT_NE(r.out.find(piece), std::string::npos) << c.args << ": " << piece << "\n" << r.out;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "no colour when piped: " << c.args;
  }
  std::ifstream html(run_dir() + "/r.html");
  std::string first;
  std::getline(html, first);
  EXPECT_EQ(first, "<!DOCTYPE html>");
}

TEST(CliLogs, BadInputIsNamed) {
  const std::string empty = rlvr::testsupport::scratch_path("cli_logs_empty");
  fs::create_directories(empty);
  struct Case { std::string args, expected; };
  const std::vector<Case> cases = {
      {"logs summary " + empty + "/nope", "is not a directory"},
      {"logs summary " + empty, "is not a run directory: it has none of config.toml, metrics.jsonl, rollouts.jsonl"},
      {"logs show " + run_dir() + " --status corect", "no sample has status 'corect' (statuses in this run: correct, error,"},
      {"logs show " + run_dir() + " --verifier math", "no sample has a verdict by 'math' (verifiers in this run: boxed_math, format)"},
      {"logs show " + run_dir() + " --sort size", "unknown --sort key: 'size' (use reward, length or step)"},
      {"logs show " + run_dir() + " --step 3-4", "--step expects N, A:B, A: or :B"},
      {"logs show " + run_dir() + " --grep '(x'", "bad --grep pattern: '(x' at offset 2: missing closing parenthesis"},
      {"logs show " + run_dir() + " --color sometimes", "--color must be auto, always or never"},
      {"logs show " + run_dir() + " --min-reward high", "expected a number"},
      {"logs show " + run_dir() + " --frobnicate 1", "unknown option: --frobnicate"},
      {"logs frob " + run_dir(), "unknown logs command: 'frob' (use summary, show, diff or report)"},
      {"logs diff " + run_dir() + " --step 1 --prompt 4", "diff needs two steps: --step A --step B"},
      {"logs diff " + run_dir() + " --step 1 --step 2 --prompt 999", "prompt 999 has no samples at step 1 or step 2"},
      {"logs", "missing a logs command"},
  };
  for (const Case& c : cases) {
    Result r = run_rlvr(c.args);
    EXPECT_EQ(r.code, 1) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.expected), std::string::npos) << c.args << "\n" << r.out;
  }
}

}  // namespace
