// `rlvr verify` end to end: output lines, the summary, and bad input named by line number.
#include <gtest/gtest.h>

#include "cli_runner.h"
#include "testsupport/scratch.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

namespace {

using cli_test::Result;
using cli_test::run_rlvr;

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = rlvr::testsupport::scratch_path(name);
  std::ofstream(path) << text;
  return path;
}

TEST(CliVerify, ScoresEachLineAndSummarizes) {
  std::string in = write_temp("verify_in.jsonl",
                              "{\"completion\": \"so \\\\boxed{18}\", \"answer\": \"#### 18\"}\n"
                              "{\"completion\": \"\\\\boxed{\\\\dfrac12}\", \"answer\": \"0.5\", \"id\": 7}\n"
                              "\n"
                              "{\"completion\": \"no box\", \"answer\": \"3\"}\n");
  std::string out = rlvr::testsupport::scratch_path("verify_out.jsonl");
  Result r = run_rlvr("verify --verifier boxed_math --input " + in + " --output " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("verified 3 samples with boxed_math"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("correct    2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no_answer  1"), std::string::npos) << r.out;
  std::ifstream lines(out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_NE(first.find("\"reward\":1.0"), std::string::npos) << first;
  EXPECT_NE(first.find("\"status\":\"correct\""), std::string::npos) << first;
  EXPECT_NE(second.find("\"id\":7"), std::string::npos) << "input fields are kept: " << second;
}

TEST(CliVerify, BadInputIsNamed) {
  struct Case { std::string input, args, expected; };
  const std::vector<Case> cases = {
      {"{\"completion\": \"x\", \"answer\": \"1\"}\n{oops\n", "", "verify_bad.jsonl:2: "},
      {"{\"answer\": \"1\"}\n", "", "verify_bad.jsonl:1: field 'completion' (a string) is missing"},
      {"[1]\n", "", "verify_bad.jsonl:1: expected an object"},
      {"{\"completion\": \"x\", \"answer\": \"1\"}\n", "--option tol=3", "unknown option 'tol' for verifier 'boxed_math'"},
      {"{\"completion\": \"x\", \"answer\": \"1\"}\n", "--option oops", "--option needs key=value"},
  };
  for (const Case& c : cases) {
    std::string in = write_temp("verify_bad.jsonl", c.input);
    Result r = run_rlvr("verify --verifier boxed_math --input " + in + " " + c.args);
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find(c.expected), std::string::npos) << r.out;
  }
  Result unknown = run_rlvr("verify --verifier nope --input x.jsonl");
  EXPECT_NE(unknown.out.find("unknown verifier"), std::string::npos) << unknown.out;
}

}  // namespace
