// The code_tests verifier: program extraction, the three test forms, both reward modes,
// verdict details, option errors, lookup by name in the registry, and completions that try to fake a pass.
#include <gtest/gtest.h>

#include "common/error.h"
#include "rewards/registry.h"
#include "rewards/verifiers/code_extract.h"
#include "rewards/verifiers/code_tests.h"

namespace rlvr::rewards {
namespace {

using nlohmann::json;

TEST(CodeExtract, Table) {
  struct Case {
    const char* name;
    std::string completion, program;
  } cases[] = {
      {"no fence: whole completion", "def f():\n    return 1\n", "def f():\n    return 1\n"},
      {"tagged fence", "Here:\n```python\nx = 1\n```\nDone.", "x = 1\n"},
      {"untagged fence", "```\nprint(2)\n```", "print(2)\n"},
      {"last block wins", "```python\nold()\n```\ntext\n```py\nnew()\n```\n", "new()\n"},
      {"unclosed last block runs to the end", "```python\na = 1\n```\n```python\nb = 2\nc = 3",
       "b = 2\nc = 3\n"},
      {"CRLF lines", "```python\r\ny = 2\r\n```\r\n", "y = 2\n"},
      {"indented fence", "  ```python\n  z = 3\n  ```", "  z = 3\n"},
      {"empty block", "```python\n```", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(extract_program(c.completion), c.program) << c.name;
}

json mbpp_row() {
  return {{"test_list", {"assert add(1, 2) == 3", "assert add(-1, 1) == 0", "assert add(10, 5) == 15"}},
          {"test_setup_code", ""}};
}

Verdict check(const json& options, const std::string& completion, const json& row) {
  return make_code_tests_verifier(options)->verify({"", completion, row});
}

struct VerdictCase {
  const char* name;
  json options;
  std::string completion;
  json row;
  double reward;
  std::string status;
  std::string detail_has;
};

TEST(CodeTests, VerdictTable) {
  const json fraction = {{"reward", "fraction"}, {"time_limit_s", 2}};
  const json all = {{"time_limit_s", 2}};
  const json humaneval = {
      {"test", "def check(candidate):\n    assert candidate('ab') == 'ba'\n    assert candidate('') == ''\n"},
      {"entry_point", "rev"}};
  const json io = {{"io",
                    {{{"input", "1 2\n"}, {"output", "3\n"}},
                     {{"input", "5 7\n"}, {"output", "12"}},
                     {{"input", "0 0\n"}, {"output", "0  \n\n"}}}}};
  const VerdictCase cases[] = {
      {"mbpp correct", all, "```python\ndef add(a, b):\n    return a + b\n```", mbpp_row(), 1.0, "correct",
       "3/3 tests passed"},
      {"mbpp one test fails, all-or-nothing", all, "def add(a, b):\n    return a + b if a >= 0 else 5\n",
       mbpp_row(), 0.0, "wrong", "test 2 failed: assert add(-1, 1) == 0 -> Traceback"},
      {"mbpp one test fails, fraction", fraction, "def add(a, b):\n    return a + b if a >= 0 else 5\n",
       mbpp_row(), 2.0 / 3, "wrong", "AssertionError"},
      {"mbpp exception shows the traceback line", fraction,
       "def add(a, b):\n    return a + b + undefined_name\n", mbpp_row(), 0.0, "wrong",
       "NameError: name 'undefined_name' is not defined"},
      {"mbpp setup code runs before the tests",
       all,
       "def add(a, b):\n    return a + b + OFFSET\n",
       {{"test_list", {"assert add(1, 2) == 3"}}, {"test_setup_code", "OFFSET = 0"}},
       1.0,
       "correct",
       "1/1"},
      {"syntax error", all, "def add(a, b)\n    return a + b\n", mbpp_row(), 0.0, "wrong",
       "the program failed before the tests ran"},
      {"no program", all, "   \n", mbpp_row(), 0.0, "no_answer", "no program"},
      {"humaneval correct", all, "def rev(s):\n    return s[::-1]\n", humaneval, 1.0, "correct", "1/1"},
      {"humaneval wrong", all, "def rev(s):\n    return s\n", humaneval, 0.0, "wrong", "check(rev)"},
      {"io correct modulo trailing whitespace", all, "a, b = map(int, input().split())\nprint(a + b)\n", io,
       1.0, "correct", "3/3"},
      {"io wrong output", fraction, "a, b = map(int, input().split())\nprint(a + b if a != 5 else 0)\n", io,
       2.0 / 3, "wrong", "test 2 failed: input '5 7' -> expected '12', got '0'"},
      {"io crash", all, "import sys\nsys.exit(4)\n", io, 0.0, "wrong", "exit code 4"},
      {"timeout", fraction, "def add(a, b):\n    while a < 0: pass\n    return a + b\n", mbpp_row(), 1.0 / 3,
       "timeout", "test 2 failed: assert add(-1, 1) == 0 -> time limit exceeded"},
      {"network is a wrong answer", all, "import socket\nsocket.create_connection(('1.1.1.1', 80))\n",
       mbpp_row(), 0.0, "wrong", "blocked system call"},
      // Reward hacks: none of them may pass.
      {"exit(0) before the tests", all, "import sys\ndef add(a, b): return 0\nsys.exit(0)\n", mbpp_row(), 0.0,
       "wrong", "SystemExit"},
      {"os._exit(0) before the tests", all, "import os\ndef add(a, b): return 0\nos._exit(0)\n", mbpp_row(),
       0.0, "wrong", "the program ended before this test ran"},
      {"printing pass lines", all, "def add(a, b): return 0\nfor i in range(3): print('0' * 32, i, 'pass')\n",
       mbpp_row(), 0.0, "wrong", "AssertionError"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Verdict v = check(c.options, c.completion, c.row);
    EXPECT_NEAR(v.reward, c.reward, 1e-9);
    EXPECT_EQ(v.status, c.status);
    EXPECT_NE(v.detail.find(c.detail_has), std::string::npos) << v.detail;
  }
}

TEST(CodeTests, OptionAndRowErrorsNameTheProblem) {
  const std::pair<json, std::string> bad_options[] = {
      {{{"rewrd", "fraction"}}, "unknown option 'rewrd' for verifier 'code_tests' (known: cpu_time_s,"},
      {{{"reward", "half"}}, "option 'reward' of verifier 'code_tests' must be"},
      {{{"time_limit_s", -1}}, "option 'time_limit_s' of verifier 'code_tests' must be a positive number"},
      {{{"memory_mb", "lots"}}, "option 'memory_mb' of verifier 'code_tests' must be a number"},
      {{{"memory_mb", 0}}, "option 'memory_mb' of verifier 'code_tests' must be >= 1, got 0"},
      {{{"max_open_files", 512.5}}, "option 'max_open_files' of verifier 'code_tests' must be an integer"},
      {json::array(), "options of verifier 'code_tests' must be a table"},
  };
  for (const auto& [options, message] : bad_options) {
    try {
      make_code_tests_verifier(options);
      ADD_FAILURE() << "accepted " << options.dump();
    } catch (const rlvr::Error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
  auto verifier = make_code_tests_verifier(json::object());
  const std::pair<json, std::string> bad_rows[] = {
      {{{"answer", "3"}}, "the row has no tests"},
      {{{"test_list", "assert True"}}, "'test_list' must be a non-empty array"},
      {{{"test", "def check(c): pass"}, {"entry_point", "f(); import os"}},
       "'entry_point' must be a Python identifier"},
      {{{"io", {{{"input", "1"}}}}}, "'io' entries must be objects with 'input' and 'output'"},
  };
  for (const auto& [row, message] : bad_rows) {
    try {
      verifier->verify({"", "print(1)", row});
      ADD_FAILURE() << "accepted " << row.dump();
    } catch (const rlvr::Error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

// What a run config or `rlvr verify` does: look the verifier up by name, with options.
TEST(CodeTests, ReachableFromTheRegistryByName) {
  Registry& registry = verifier_registry();
  ASSERT_TRUE(registry.contains("code_tests"));
  auto fraction = registry.create("code_tests", {{"reward", "fraction"}, {"time_limit_s", 5}});
  const std::string half_right = "def add(a, b):\n    return a + b if a >= 0 else 5\n";
  Verdict partial = fraction->verify({"", half_right, mbpp_row()});
  EXPECT_NEAR(partial.reward, 2.0 / 3, 1e-9) << partial.detail;
  EXPECT_EQ(partial.status, "wrong");

  VerifierSpec spec = spec_from_json({{"name", "code_tests"}, {"weight", 1.0}, {"options", json::object()}});
  Verdict right = registry.create(spec)->verify({"", "def add(a, b):\n    return a + b\n", mbpp_row()});
  EXPECT_EQ(right.status, "correct") << right.detail;
  EXPECT_EQ(right.reward, 1.0);

  try {
    registry.create("code_tests", {{"time_limit", 5}});
    ADD_FAILURE() << "accepted an unknown option";
  } catch (const rlvr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown option 'time_limit'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rlvr::rewards
