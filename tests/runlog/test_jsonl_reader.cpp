// The streaming reader: lines across block boundaries, very long lines, a partial last line, and
// bad lines reported by number while the rest is read.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runlog/jsonl_reader.h"
#include "testsupport/scratch.h"

namespace rlvr::runlog {
namespace {

std::string temp_file(const std::string& name, const std::string& text) {
  std::string path = testsupport::scratch_path("runlog_" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(JsonlReader, GoodBadAndPartialLines) {
  struct Case {
    std::string name, text;
    std::vector<long> good_lines;  // line numbers handed to the callback
    std::vector<std::string> messages;
    bool partial;
  };
  const std::vector<Case> cases = {
      {"plain", "{\"a\":1}\n{\"a\":2}\n", {1, 2}, {}, false},
      {"no final newline", "{\"a\":1}\n{\"a\":2}", {1, 2}, {}, false},
      {"blank and crlf", "\n{\"a\":1}\r\n  \n{\"a\":2}\n", {2, 4}, {}, false},
      {"partial last line", "{\"a\":1}\n{\"a\":2}\n{\"a\":3, \"comp", {1, 2}, {}, true},
      {"corrupt middle", "{\"a\":1}\n{oops\n{\"a\":3}\n", {1, 3}, {":2: not valid JSON"}, false},
      {"not an object", "[1,2]\n{\"a\":2}\n\"s\"\n", {2},
       {":1: expected a JSON object, got array", ":3: expected a JSON object, got string"}, false},
      {"corrupt then partial", "{bad\n{\"a\":2}\n{\"a\"", {2}, {":1: not valid JSON"}, true},
      {"empty file", "", {}, {}, false},
  };
  for (const Case& c : cases) {
    std::string path = temp_file("reader.jsonl", c.text);
    ReadProblems problems;
    std::vector<long> seen;
    for_each_object(path, problems, [&](const nlohmann::json& object, long line) {
      EXPECT_TRUE(object.contains("a")) << c.name;
      seen.push_back(line);
      return true;
    });
    EXPECT_EQ(seen, c.good_lines) << c.name;
    EXPECT_EQ(problems.partial_last_line, c.partial) << c.name;
    ASSERT_EQ(problems.messages.size(), c.messages.size()) << c.name;
    for (size_t i = 0; i < c.messages.size(); ++i)
      EXPECT_NE(problems.messages[i].find(path + c.messages[i]), std::string::npos) << c.name << ": " << problems.messages[i];
  }
}

TEST(JsonlReader, LinesLongerThanTheBufferAndAcrossBlocks) {
  // 3000 lines of ~3 KB cross the 4 MB block boundary; one 9 MB line forces the buffer to grow.
  std::string text;
  const std::string filler(3000, 'x');
  for (int i = 0; i < 3000; ++i) text += "{\"i\":" + std::to_string(i) + ",\"s\":\"" + filler + "\"}\n";
  text += "{\"i\":3000,\"s\":\"" + std::string(9 << 20, 'y') + "\"}\n";
  std::string path = temp_file("long.jsonl", text);
  ReadProblems problems;
  long expected = 0;
  for_each_object(path, problems, [&](const nlohmann::json& object, long line) {
    EXPECT_EQ(object["i"].get<long>(), expected);
    EXPECT_EQ(line, expected + 1);
    ++expected;
    return true;
  });
  EXPECT_EQ(expected, 3001);
  EXPECT_TRUE(problems.clean());
  EXPECT_EQ(problems.bytes, static_cast<long long>(text.size()));
}

TEST(JsonlReader, ManyBadLinesAreCountedAndTheFirstKept) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "nope\n{\"a\":1}\n";
  ReadProblems problems;
  long good = 0;
  for_each_object(temp_file("many_bad.jsonl", text), problems, [&](const nlohmann::json&, long) { return ++good, true; });
  EXPECT_EQ(good, 50);
  EXPECT_EQ(problems.bad_lines, 50);
  EXPECT_EQ(problems.messages.size(), ReadProblems::kKeep);
}

TEST(JsonlReader, MissingFileIsAnError) {
  ReadProblems problems;
  try {
    for_each_object("/nonexistent/rollouts.jsonl", problems, [](const nlohmann::json&, long) { return true; });
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open '/nonexistent/rollouts.jsonl'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rlvr::runlog
