// `rlvr verify --verifier code_tests`: MBPP, HumanEval and stdin/stdout rows scored end to end
// through the binary, with an option passed on the command line.
#include <gtest/gtest.h>

#include "cli_runner.h"
#include "testsupport/scratch.h"
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

using cli_test::Result;
using cli_test::run_rlvr;

TEST(CliVerifyCodeTests, ScoresEveryTestFormThroughTheBinary) {
  const json mbpp = {{"test_list", {"assert add(1, 2) == 3", "assert add(-1, 1) == 0", "assert add(10, 5) == 15"}},
                     {"test_setup_code", ""}};
  const json humaneval = {{"test", "def check(candidate):\n    assert candidate('ab') == 'ba'\n"},
                          {"entry_point", "rev"}};
  const json io = {{"io", {{{"input", "2 3\n"}, {"output", "5\n"}}}}};
  struct Row {
    json tests;
    std::string completion, status;
    double reward;
  };
  const std::vector<Row> rows = {
      {mbpp, "```python\ndef add(a, b):\n    return a + b\n```", "correct", 1.0},
      {mbpp, "def add(a, b):\n    return a + b if a >= 0 else 5\n", "wrong", 2.0 / 3},  // fraction mode
      {humaneval, "def rev(s):\n    return s[::-1]\n", "correct", 1.0},
      {io, "import socket\nsocket.create_connection(('127.0.0.1', 80))\n", "wrong", 0.0},
      {io, "a, b = map(int, input().split())\nprint(a + b)\n", "correct", 1.0},
  };
  const std::string input = rlvr::testsupport::scratch_path("verify_code_tests_in.jsonl");
  const std::string output = rlvr::testsupport::scratch_path("verify_code_tests_out.jsonl");
  {
    std::ofstream in(input);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      json line = rows[i].tests;
      line["completion"] = rows[i].completion;
      line["id"] = i;
      in << line.dump() << '\n';
    }
  }
  Result r = run_rlvr("verify --verifier code_tests --option reward=fraction --option time_limit_s=5 --input " +
                      input + " --output " + output);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("verified 5 samples with code_tests"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("correct    3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrong      2"), std::string::npos) << r.out;

  std::ifstream scored(output);
  std::size_t n = 0;
  for (std::string line; std::getline(scored, line); ++n) {
    json j = json::parse(line);
    ASSERT_LT(n, rows.size());
    SCOPED_TRACE(line);
    EXPECT_EQ(j.at("id"), n) << "rows keep their order and fields";
    EXPECT_EQ(j.at("status"), rows[n].status);
    EXPECT_NEAR(j.at("reward").get<double>(), rows[n].reward, 1e-9);
  }
  EXPECT_EQ(n, rows.size());
  std::filesystem::remove(input);
  std::filesystem::remove(output);

  Result bad = run_rlvr("verify --verifier code_tests --option reward=half --input /dev/null");
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_NE(bad.out.find("option 'reward' of verifier 'code_tests' must be"), std::string::npos) << bad.out;
}

}  // namespace
