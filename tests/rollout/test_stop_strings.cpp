// StopMatcher on hand-made vocabularies: stop strings spanning token boundaries, kept or
// dropped, the earliest of several, and a match only counted once it is complete.
#include <gtest/gtest.h>

#include "rollout/stop_strings.h"

using namespace rlvr;
using namespace rlvr::rollout;

namespace {

// Token id i decodes to kPieces[i]; a real Detokenizer over a fixed vocabulary.
const std::vector<std::string> kPieces = {"The", " answer", " is", " 4", ".", "\n", "\n\n", "</", "ans", "wer",
                                          ">", "Q", ":", " ", "é", "Q:"};

std::string decode(std::span<const int32_t> ids) {
  std::string s;
  for (int32_t id : ids) s += kPieces.at(size_t(id));
  return s;
}

struct Case {
  std::string name;
  std::vector<std::string> stops;
  bool keep;
  std::vector<int32_t> tokens;
  int stop_at;          // index of the token whose arrival completes the first stop (-1: never)
  std::string text;     // the cut text at that point
};

}  // namespace

TEST(StopStrings, CutsAtTheTokenThatCompletesTheStop) {
  const std::vector<Case> cases = {
      {"one token, dropped", {"\n"}, false, {0, 1, 5, 2}, 2, "The answer"},
      {"one token, kept", {"\n"}, true, {0, 1, 5, 2}, 2, "The answer\n"},
      {"across three tokens", {"</answer>"}, false, {0, 3, 7, 8, 9, 10, 4}, 5, "The 4"},
      {"across three tokens, kept", {"</answer>"}, true, {0, 3, 7, 8, 9, 10, 4}, 5, "The 4</answer>"},
      {"inside one token", {"nsw"}, false, {0, 1, 2}, 1, "The a"},
      {"inside one token, kept (token tail cut)", {"nsw"}, true, {0, 1, 2}, 1, "The answ"},
      {"earliest of several wins", {"is", "answer"}, false, {0, 1, 2}, 1, "The "},
      {"both complete at once: the earlier", {"\n\n", "4.\n"}, false, {3, 4, 6}, 2, " "},
      {"shorter completes first", {"Q", "Q:"}, true, {5, 11, 12}, 1, "\nQ"},
      {"same start, same token: the longer", {"Q", "Q:"}, true, {5, 15}, 1, "\nQ:"},
      {"never", {"</answer>"}, false, {0, 1, 7, 8, 3, 10}, -1, ""},
      {"partial match is not a match", {"answer>"}, false, {7, 8, 9}, -1, ""},
      {"multibyte", {"é4"}, false, {0, 14, 3, 4}, -1, ""},
      {"multibyte match", {"é "}, true, {0, 14, 13, 3}, 2, "Theé "},
  };
  for (const Case& c : cases) {
    const StopMatcher stops(c.stops, c.keep);
    int stopped = -1;
    std::string text;
    for (size_t t = 1; t <= c.tokens.size() && stopped < 0; ++t)
      if (auto cut = stops.check(std::span<const int32_t>(c.tokens).first(t), decode)) {
        stopped = int(t) - 1;
        text = *cut;
      }
    EXPECT_EQ(stopped, c.stop_at) << c.name;
    EXPECT_EQ(text, c.text) << c.name;
  }
}

// A long completion: only the last few tokens are decoded per check, so a stop string far
// back (already checked) does not fire again and a new one is still found.
TEST(StopStrings, LongCompletionFindsTheStopAtTheEnd) {
  std::vector<int32_t> tokens;
  for (int i = 0; i < 400; ++i) tokens.push_back(i % 2 ? 1 : 13);
  tokens.insert(tokens.end(), {7, 8, 9, 10});
  const StopMatcher stops({"</answer>"}, false);
  for (size_t t = 1; t < tokens.size(); ++t)
    EXPECT_FALSE(stops.check(std::span<const int32_t>(tokens).first(t), decode)) << t;
  const auto cut = stops.check(tokens, decode);
  ASSERT_TRUE(cut);
  EXPECT_EQ(*cut, decode(std::span<const int32_t>(tokens).first(400)));
}

TEST(StopStrings, EmptyStopStringIsAnError) {
  try {
    StopMatcher({"x", ""}, false);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stop_strings: an empty stop string"), std::string::npos) << e.what();
  }
}
