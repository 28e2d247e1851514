// MBPP (data/mbpp/mbpp.jsonl, 974 tasks) through the code_tests verifier: every reference
// solution passes its own tests, and the same solution with a deliberate bug fails.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "rewards/verifiers/code_tests.h"

namespace rlvr::rewards {
namespace {

using nlohmann::json;

std::vector<json> load_mbpp() {
  std::ifstream in(std::string(RLVR_SOURCE_DIR) + "/data/mbpp/mbpp.jsonl");
  std::vector<json> rows;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) rows.push_back(json::parse(line));
  return rows;
}

// Rows whose reference fails its own tests for reasons of the dataset, not of the sandbox.
// (None so far: every reference passes.)
const std::map<int, std::string> kKnownBadRows = {};

// The deliberate bug: the function the first test calls gets its result nudged (+1 for
// numbers, negated for booleans, one more element for strings, lists, tuples, sets, dicts),
// so every assert on its value sees a different one.
std::string with_bug(const json& row) {
  std::string code = row.at("code").get<std::string>();
  std::string test = row.at("test_list")[0].get<std::string>();
  std::smatch call;
  for (auto it = test.cbegin();
       std::regex_search(it, test.cend(), call, std::regex(R"(([A-Za-z_]\w*)\s*\()")); it = call[0].second) {
    std::string name = call[1];
    if (code.find("def " + name) == std::string::npos) continue;
    return code +
           "\n\n"
           "def _rlvr_nudge(v):\n"
           "    if isinstance(v, bool): return not v\n"
           "    if isinstance(v, (int, float)): return v + 1\n"
           "    if isinstance(v, str): return v + 'x'\n"
           "    if isinstance(v, (list, tuple)): return v + type(v)([None])\n"
           "    if isinstance(v, set): return v | {None}\n"
           "    if isinstance(v, dict): return {**v, None: None}\n"
           "    return object()\n"
           "_rlvr_original = " +
           name +
           "\n"
           "def " +
           name +
           "(*args, **kwargs):\n"
           "    return _rlvr_nudge(_rlvr_original(*args, **kwargs))\n";
  }
  return "";  // the tested function is not defined at top level
}

TEST(CodeTestsMbpp, EveryReferencePassesAndEveryBuggedCopyFails) {
  std::vector<json> rows = load_mbpp();
  ASSERT_EQ(rows.size(), 974u);
  auto verifier = make_code_tests_verifier({{"time_limit_s", 20}});
  std::vector<Verdict> reference(rows.size()), bugged(rows.size());
  std::vector<bool> has_bug(rows.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&] {
      for (std::size_t i; (i = next++) < rows.size();) {
        reference[i] = verifier->verify({"", rows[i].at("code").get<std::string>(), rows[i]});
        std::string bug = with_bug(rows[i]);
        has_bug[i] = !bug.empty();
        if (has_bug[i]) bugged[i] = verifier->verify({"", bug, rows[i]});
      }
    });
  for (auto& t : workers) t.join();

  std::size_t passed = 0, bugs_caught = 0, bugs_made = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    int task = rows[i].at("task_id").get<int>();
    bool known_bad = kKnownBadRows.count(task) > 0;
    if (reference[i].status == "correct")
      ++passed;
    else if (!known_bad)
      ADD_FAILURE() << "task " << task << " reference: " << reference[i].status << ": "
                    << reference[i].detail;
    if (!has_bug[i] || known_bad) continue;
    ++bugs_made;
    if (bugged[i].reward == 0.0)
      ++bugs_caught;
    else
      ADD_FAILURE() << "task " << task << " bugged copy passed: " << bugged[i].detail;
  }
  EXPECT_EQ(passed + kKnownBadRows.size(), rows.size());
  EXPECT_EQ(bugs_caught, bugs_made);
  EXPECT_GE(bugs_made, 900u);  // nearly every task tests a top-level function
  std::printf("MBPP: %zu/%zu references pass; %zu/%zu bugged copies fail\n", passed, rows.size(), bugs_caught,
              bugs_made);
}

}  // namespace
}  // namespace rlvr::rewards
