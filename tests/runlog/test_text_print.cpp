// Terminal text: control characters neutralized, wide characters measured, wrapping, the line
// diff; and the layout of a sample, a group and a step diff.
#include <gtest/gtest.h>

#include <sstream>

#include "runlog/print.h"
#include "runlog/text.h"
#include "testsupport/fake_run.h"

namespace rlvr::runlog {
namespace {

TEST(Text, TerminalSafe) {
  struct Case { std::string in, out; };
  const std::vector<Case> cases = {
      {"plain\nlines", "plain\nlines"},
      {"\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"},
      {"tab\there", "tab    here"},
      {"bell\a and cr\r", "bell\\x07 and cr\\x0d"},
      {"bad \xff utf8", "bad \xEF\xBF\xBD utf8"},
      {"c1 \xc2\x9b csi", "c1 \\x9b csi"},
      {"π ≈ 😀", "π ≈ 😀"},
  };
  for (const Case& c : cases) EXPECT_EQ(terminal_safe(c.in), c.out) << c.in;
}

TEST(Text, WidthWrapFit) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("π≈"), 2u);
  EXPECT_EQ(display_width("漢字"), 4u);
  EXPECT_EQ(display_width("😀"), 2u);
  EXPECT_EQ(wrap("abcdef\ngh", 4), (std::vector<std::string>{"abcd", "ef", "gh"}));
  EXPECT_EQ(wrap("漢字漢", 4), (std::vector<std::string>{"漢字", "漢"}));
  EXPECT_EQ(wrap("", 4), (std::vector<std::string>{""}));
  EXPECT_EQ(fit("漢字漢", 5), "漢字 ");
  EXPECT_EQ(fit("ab", 4), "ab  ");
}

TEST(Text, DiffLines) {
  struct Case { std::string a, b, expected; };
  const std::vector<Case> cases = {
      {"x\ny\nz", "x\ny\nz", " x  y  z"},
      {"x\ny\nz", "x\nY\nz", " x -y +Y  z"},
      {"a\nb", "a\nb\nc", " a  b +c"},
      {"a\nb\nc", "b", "-a  b -c"},
  };
  for (const Case& c : cases) {
    std::string got;
    for (const DiffLine& d : diff_lines(c.a, c.b)) got += (got.empty() ? "" : " ") + std::string(1, d.op) + d.text;
    EXPECT_EQ(got, c.expected) << c.a << " | " << c.b;
  }
  EXPECT_EQ(diff_lines("a\nb\nc", "d", 2).size(), 4u) << "over max_lines: all removed, all added";
}

std::vector<Rollout> fake_group(int step, int prompt) {
  std::vector<Rollout> group;
  testsupport::FakeRun run;
  for (int g = 0; g < run.group_size; ++g)
    group.push_back(rollout_from_json(testsupport::fake_sample(run, step, prompt, g), g + 1));
  return group;
}

TEST(Print, SampleGroupAndDiff) {
  std::vector<Rollout> group = fake_group(5, 0);
  std::ostringstream one;
  print_sample(one, group[1], Style{false, 80});
  const std::string sample = one.str();
  for (const std::string& piece : {std::string("── step 5 · prompt 4 · sample 1 · reward 1.100 · advantage +0.600"),
                                   std::string("gold answer  19"), std::string("extracted 19, expected 19"),
                                   std::string("  boxed_math     w 1.00  reward 1.000  correct"),
                                   std::string("  Let me think <step 1> & check: π ≈ 3.14")})
    EXPECT_NE(sample.find(piece), std::string::npos) << piece << " in\n" << sample;
  EXPECT_EQ(sample.find('\x1b'), std::string::npos) << "no colour unless asked";
  std::ostringstream coloured;
  print_sample(coloured, group[1], Style{true, 80});
  EXPECT_NE(coloured.str().find("\x1b[32mcorrect"), std::string::npos);

  std::ostringstream side;
  print_group(side, group, Style{false, 150});
  const std::string text = side.str();
  EXPECT_NE(text.find("── prompt 4 · step 5 · 4 samples · mean reward 0.575"), std::string::npos) << text;
  // Four columns, best reward first, separated by bars.
  EXPECT_NE(text.find("#1 reward 1.100 correct"), std::string::npos) << text;
  EXPECT_LT(text.find("#1 reward 1.100"), text.find("#0 reward 0.000")) << text;
  EXPECT_NE(text.find(" │ #0 reward 0.000 no_answer"), std::string::npos) << text;
  std::ostringstream narrow;
  print_group(narrow, group, Style{false, 40});
  EXPECT_EQ(narrow.str().find(" │ "), std::string::npos) << "one column when narrow";

  std::ostringstream diff;
  print_step_diff(diff, 1, fake_group(1, 0), 5, group, Style{false, 100});
  const std::string d = diff.str();
  EXPECT_NE(d.find("── prompt 4: step 1 → step 5"), std::string::npos) << d;
  EXPECT_NE(d.find("step 5: 4 samples, mean reward 0.575"), std::string::npos) << d;
  EXPECT_NE(d.find("1x  no \\boxed{} in the completion"), std::string::npos) << d;
  EXPECT_NE(d.find("best completion: step 1 sample 0 (reward 1.100) → step 5 sample 1 (reward 1.100)\n"
                   "- Let me think <step 0>"), std::string::npos) << d;
  EXPECT_NE(d.find("\n+ Let me think <step 1>"), std::string::npos) << d;
  EXPECT_NE(d.find("\n  So the answer is \\boxed{19}."), std::string::npos) << d;
  std::ostringstream missing;
  print_step_diff(missing, 1, {}, 5, group, Style{});
  EXPECT_NE(missing.str().find("step 1: no samples of this prompt"), std::string::npos) << missing.str();
}

}  // namespace
}  // namespace rlvr::runlog
