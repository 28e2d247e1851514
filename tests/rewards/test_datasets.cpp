// Every GSM8K and MATH-500 gold answer against itself in another form (must be correct) and
// against a different problem's answer (must be wrong), through the boxed_math verifier.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "rewards/verifiers/boxed_math.h"
#include "rewards/verifiers/math_answer.h"

namespace rlvr::rewards {
namespace {

std::vector<nlohmann::json> read_jsonl(const std::string& relative) {
  std::ifstream in(std::string(RLVR_SOURCE_DIR) + "/" + relative);
  EXPECT_TRUE(in) << relative;
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

// Rewrites a LaTeX answer in another form: \frac{X}{Y} -> ((X)/(Y)), \sqrt{X} -> (X)^{1/2},
// \dfrac -> \frac, no \left/\right, no spaces.
std::string reformat(std::string s) {
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  };
  replace_all("\\dfrac", "\\frac");
  replace_all("\\left", "");
  replace_all("\\right", "");
  auto group_end = [&](size_t open) {
    int depth = 0;
    for (size_t i = open; i < s.size(); ++i) {
      if (s[i] == '{') ++depth;
      if (s[i] == '}' && --depth == 0) return i;
    }
    return std::string::npos;
  };
  for (size_t p; (p = s.find("\\frac{")) != std::string::npos;) {
    size_t a_end = group_end(p + 5);
    if (a_end == std::string::npos || a_end + 1 >= s.size() || s[a_end + 1] != '{') break;
    size_t b_end = group_end(a_end + 1);
    if (b_end == std::string::npos) break;
    std::string a = s.substr(p + 6, a_end - p - 6), b = s.substr(a_end + 2, b_end - a_end - 2);
    s.replace(p, b_end + 1 - p, "((" + a + ")/(" + b + "))");
  }
  for (size_t p; (p = s.find("\\sqrt{")) != std::string::npos;) {
    size_t end = group_end(p + 5);
    if (end == std::string::npos) break;
    s.replace(p, end + 1 - p, std::string("(").append(s.substr(p + 6, end - p - 6)).append(")^{1/2}"));
  }
  std::string out;
  for (char c : s)
    if (c != ' ') out += c;
  return out;
}

const BoxedMathVerifier kGrader{BoxedMathOptions{}};

std::string boxed(const std::string& answer) { return "So the final result is $\\boxed{" + answer + "}$."; }

TEST(Datasets, Math500GoldAnswers) {
  auto rows = read_jsonl("data/math500/test.jsonl");
  ASSERT_EQ(rows.size(), 500u);
  int reformatted = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string gold = rows[i]["answer"];
    EXPECT_EQ(kGrader.grade(gold, boxed(gold)).status, status::kCorrect) << "line " << i + 1 << ": " << gold;
    // The gold field may also be the whole solution: it ends in the same \boxed{}.
    EXPECT_EQ(kGrader.grade(rows[i]["solution"].get<std::string>(), boxed(gold)).status, status::kCorrect)
        << "line " << i + 1 << " (solution as gold): " << gold;
    // A mixed number "1\frac{4}{5}" has no other form here: "1((4)/(5))" would be a product.
    bool mixed = gold.find("\\frac") != std::string::npos && gold.find("\\frac") > 0 &&
                 std::isdigit(static_cast<unsigned char>(gold[gold.find_last_not_of(' ', gold.find("\\frac") - 1)]));
    std::string other_form = mixed ? gold : reformat(gold);
    bool integer = !gold.empty() && gold.find_first_not_of("-0123456789") == std::string::npos;
    if (integer) other_form = "\\$" + gold + ".0";  // "\$42.0"
    if (other_form != gold) {
      ++reformatted;
      Verdict v = kGrader.grade(gold, boxed(other_form));
      EXPECT_EQ(v.status, status::kCorrect) << "line " << i + 1 << ": " << v.detail;
    }
    // The next problem whose answer is written differently must not match.
    for (size_t k = 1; k < rows.size(); ++k) {
      const std::string other = rows[(i + k) % rows.size()]["answer"];
      const std::string a = math::parse_answer(other).compact, b = math::parse_answer(gold).compact;
      // "x=5" is the same answer as "5".
      if (a == b || a.find("=" + b) != std::string::npos || b.find("=" + a) != std::string::npos) continue;
      Verdict v = kGrader.grade(gold, boxed(other));
      EXPECT_EQ(v.status, status::kWrong) << "line " << i + 1 << ": " << v.detail;
      break;
    }
  }
  EXPECT_GT(reformatted, 400);
}

TEST(Datasets, Gsm8kGoldAnswers) {
  auto rows = read_jsonl("data/gsm8k/test.jsonl");
  ASSERT_EQ(rows.size(), 1319u);
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string solution = rows[i]["answer"];
    const std::string gold = solution.substr(solution.rfind("####") + 4);
    std::string number;
    for (char c : gold)
      if (c != ' ' && c != ',') number += c;
    // Another form: thousands separators for large numbers, else a trailing ".00", and a dollar sign.
    std::string other_form = number;
    if (number.size() > 4 && number.find('.') == std::string::npos && number[0] != '-')
      for (int p = static_cast<int>(number.size()) - 3; p > 0; p -= 3) other_form.insert(size_t(p), 1, ',');
    else if (number.find('.') == std::string::npos)
      other_form += ".00";
    EXPECT_EQ(kGrader.grade(solution, boxed("\\$" + other_form)).status, status::kCorrect)
        << "line " << i + 1 << ": " << gold << " vs " << other_form;
    EXPECT_EQ(kGrader.grade(solution, "The answer is " + number).status, status::kNoAnswer) << "no fallback by default";
    const std::string next = rows[(i + 1) % rows.size()]["answer"];
    const std::string next_gold = next.substr(next.rfind("####") + 4);
    if (math::parse_answer(next_gold).compact != math::parse_answer(gold).compact) {
      EXPECT_EQ(kGrader.grade(solution, boxed(next_gold)).status, status::kWrong) << "line " << i + 1;
    }
  }
}

}  // namespace
}  // namespace rlvr::rewards
