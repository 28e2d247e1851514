// `rlvr validate`: "ok" and a summary for a good config, the positioned error and exit code 1
// for a bad one, and the reference table.
#include <gtest/gtest.h>

#include "cli_runner.h"

#include <array>
#include <cstdio>
#include <string>

#include <sys/wait.h>

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
      {"validate configs/math.toml", "rlvr validate: config: configs/math.toml:13:8: model.path: the model directory does not exist"},
      {"validate configs/nope.toml", "rlvr validate: config: configs/nope.toml: the config file does not exist"},
      {"validate", "rlvr validate: cli: expected one config file"},
  };
  for (const auto& c : cases) {
    const Result r = run_in_source_dir(c.args);
    EXPECT_EQ(r.code, 1) << c.args << "\n" << r.out;
    EXPECT_EQ(r.out.rfind(c.message, 0), 0u) << c.args << "\n" << r.out;
  }
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
