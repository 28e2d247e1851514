// The Python test harness of the code_tests verifier: one program that runs the candidate's
// code, then each test, and reports every test's outcome on stdout in lines tagged with a
// per-run random nonce (so that the candidate's own prints cannot pass for results).
#pragma once

#include <string>
#include <vector>

namespace rlvr::rewards {

struct HarnessTest {
  std::string code;   // Python statements, e.g. "assert f(1) == 2"
  std::string label;  // shown in the verdict, e.g. the assert itself
};

struct TestOutcome {
  bool ran = false;  // false when the program ended before reaching this test
  bool passed = false;
  std::string error;  // the traceback, first lines, when it failed
};

// setup_code runs after the candidate's code and before the tests (MBPP's test_setup_code).
std::string build_python_harness(const std::string& nonce, const std::string& solution,
                                 const std::string& setup_code, const std::vector<HarnessTest>& tests);

// Reads the tagged lines out of the program's stdout; one outcome per test.
std::vector<TestOutcome> parse_harness_output(const std::string& stdout_text, const std::string& nonce,
                                              std::size_t test_count);

std::string random_nonce();  // 32 hex digits

}  // namespace rlvr::rewards
