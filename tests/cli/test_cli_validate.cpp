// `rlvr validate`: "ok" and a summary for a good config, the positioned error and exit code 1
// for a bad one, and the reference table.
#include <gtest/gtest.h>

#include "cli_runner.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace {

using cli_test::Result;

Result run_in_source_dir(const std::string& args) {
  return cli_test::run_shell(std::string("cd '") + RLVR_SOURCE_DIR + "' && '" + RLVR_BINARY + "' " + args + " 2>&1");
}

TEST(CliValidate, GoodConfigPrintsOkAndSummary) {
  const Result r = run_in_source_dir(
      "validate configs/code.toml --set model.path=data/hf_fixtures/qwen3_moe_tiny --set model.tokenizer=char");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("ok: configs/code.toml\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("code_tests x1"), std::string::npos) << r.out;
}

TEST(CliValidate, BadConfigPrintsThePositionedErrorAndFails) {
  const struct { std::string args, message; } cases[] = {
      {"validate configs/default.toml --no-file-checks --set rollout.n=1",
       "rlvr validate: config: --set: rollout.n: G = 1 with group-normalized advantages"},
      {"validate configs/math.toml", "rlvr validate: config: configs/math.toml:23:8: model.path: the model directory does not exist"},
      {"validate configs/nope.toml", "rlvr validate: config: configs/nope.toml: the config file does not exist"},
      {"validate", "rlvr validate: cli: expected one config file"},
  };
  for (const auto& c : cases) {
    const Result r = run_in_source_dir(c.args);
    EXPECT_EQ(r.code, 1) << c.args << "\n" << r.out;
    EXPECT_EQ(r.out.rfind(c.message, 0), 0u) << c.args << "\n" << r.out;
  }
}

// Each verifier is constructed from its options at validation, and a bad option is reported at
// its position in the file (at the verifier's table when the option is missing).
TEST(CliValidate, BadVerifierOptionsPointAtTheOption) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("rlvr_validate_options_" + std::to_string(::getpid()) + ".toml")).string();
  const std::string head = "[model]\ntokenizer = \"char\"\n[data]\ntrain = \"train.jsonl\"\n[[rewards.verifiers]]\n";
  const struct { std::string verifier, message; } cases[] = {
      {"name = \"boxed_math\"\noptions = { tolerance = 1e-3 }\n",
       ":7:25: rewards.verifiers[0].options.tolerance: unknown option 'tolerance' for verifier 'boxed_math'"},
      {"name = \"code_tests\"\n[rewards.verifiers.options]\nwall_time_s = \"long\"\n",
       ":8:15: rewards.verifiers[0].options.wall_time_s: option 'wall_time_s' of verifier 'code_tests' must be a number, "
       "got \"long\""},
      {"name = \"format\"\noptions = { pattern = \"a(\" }\n",
       ":7:23: rewards.verifiers[0].options.pattern: bad option 'pattern' of format: "},
      {"name = \"external\"\noptions = { mode = \"oneshot\" }\n",
       ":5:1: rewards.verifiers[0].options.command: external verifier needs option 'command'"},
  };
  for (const auto& c : cases) {
    std::ofstream(path) << head << c.verifier;
    const Result r = cli_test::run_rlvr("validate " + path + " --no-file-checks");
    EXPECT_EQ(r.code, 1) << c.verifier << "\n" << r.out;
    EXPECT_EQ(r.out.rfind("rlvr validate: config: " + path + c.message, 0), 0u) << c.verifier << "\n" << r.out;
  }
  std::filesystem::remove(path);
}

TEST(CliValidate, ResolvedAndReference) {
  const Result resolved = run_in_source_dir("validate configs/default.toml --no-file-checks --resolved --set run.steps=7");
  EXPECT_EQ(resolved.code, 0) << resolved.out;
  EXPECT_NE(resolved.out.find("\n[run]\nname = \"default\"\nseed = 1\ndevice = \"auto\"\nsteps = 7\n"), std::string::npos)
      << resolved.out;
  const Result reference = run_in_source_dir("validate --reference");
  EXPECT_EQ(reference.code, 0);
  EXPECT_NE(reference.out.find("| `rollout.temperature` | float | `1.0` | [0, 100] |"), std::string::npos) << reference.out;
}

}  // namespace
