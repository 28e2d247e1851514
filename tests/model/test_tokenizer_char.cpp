// The character tokenizer: ids by alphabet position, special tokens after, unknown characters.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model/char_tokenizer.h"

using namespace rlvr;
namespace fs = std::filesystem;

namespace {
CharTokenizerConfig config(std::string alphabet, std::string bos = "<bos>", std::string eos = "<eos>",
                           std::string pad = "<pad>", std::string unk = "") {
  CharTokenizerConfig c;
  c.alphabet = std::move(alphabet);
  c.bos = std::move(bos);
  c.eos = std::move(eos);
  c.pad = std::move(pad);
  c.unk = std::move(unk);
  return c;
}
}  // namespace

TEST(CharTokenizer, EncodesAlphabetAndSpecials) {
  const CharTokenizer tok(config("0123456789+="));
  EXPECT_EQ(tok.vocab_size(), 15);  // 12 characters, bos, eos, pad
  EXPECT_EQ(tok.special_tokens().bos, 12);
  EXPECT_EQ(tok.special_tokens().eos, std::vector<TokenId>{13});
  EXPECT_EQ(tok.special_tokens().pad, 14);
  const std::vector<std::pair<std::string, std::vector<TokenId>>> cases = {
      {"12+3=15", {1, 2, 10, 3, 11, 1, 5}},
      {"<bos>1+1<eos>", {12, 1, 10, 1, 13}},
      {"<pad><pad>", {14, 14}},
      {"", {}},
  };
  for (const auto& [text, ids] : cases) {
    EXPECT_EQ(tok.encode(text), ids) << text;
    EXPECT_EQ(tok.decode(ids), text);
  }
  EXPECT_EQ(tok.token_to_id("="), 11);
  EXPECT_EQ(tok.id_to_token(13), "<eos>");
  EXPECT_FALSE(tok.token_to_id("x").has_value());
}

TEST(CharTokenizer, UnknownCharacters) {
  const CharTokenizer strict(config("ab"));
  try {
    strict.encode("abc");
    ADD_FAILURE() << "no error for an unknown character";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("character 'c' at byte 2 is not in the alphabet"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(strict.encode("<bos>", SpecialText::AsText), Error);  // '<' is not in the alphabet
  EXPECT_THROW(strict.decode(std::vector<TokenId>{5}), Error);
  EXPECT_THROW(strict.encode("a\xff"), Error);
  const CharTokenizer lenient(config("ab", "<bos>", "<eos>", "<pad>", "<unk>"));
  EXPECT_EQ(lenient.encode("a?b"), (std::vector<TokenId>{0, 5, 1}));
  EXPECT_EQ(lenient.encode("<unk>"), std::vector<TokenId>{5});
}

TEST(CharTokenizer, SpecialTokensOnlyInsideTheRanges) {
  const CharTokenizer tok(config("<>abeos"));
  const std::vector<ByteRange> first = {{0, 5}};
  EXPECT_EQ(tok.encode_with_special_ranges("<eos><eos>", first),
            (std::vector<TokenId>{8, 0, 4, 5, 6, 1}));  // the second <eos> is text
}

TEST(CharTokenizer, Utf8Alphabet) {
  const CharTokenizer tok(config("αβγ δ", "<s>", "</s>", "_"));
  EXPECT_EQ(tok.encode("γ α</s>"), (std::vector<TokenId>{2, 3, 0, 6}));
  EXPECT_EQ(tok.decode(std::vector<TokenId>{5, 4, 1}), "<s>δβ");
}

TEST(CharTokenizer, BadConfigs) {
  const std::vector<std::pair<CharTokenizerConfig, std::string>> cases = {
      {config(""), "the alphabet is empty"},
      {config("abca"), "character 'a' appears twice in the alphabet (byte 3)"},
      {config("ab", "<bos>", "<bos>"), "eos token '<bos>' is used twice"},
      {config("ab", "<bos>", "<eos>", "a"), "pad token 'a' is used twice"},
      {config("ab", ""), "bos token '' must be non-empty"},
      {config("a\xff"), "not valid UTF-8 at byte 1"},
  };
  for (const auto& [bad, fragment] : cases) {
    try {
      CharTokenizer tok(bad);
      ADD_FAILURE() << "no error, expected: " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }
}

TEST(CharTokenizer, LoadsFromModelDirectory) {
  const fs::path dir = fs::temp_directory_path() / ("rlvr_char_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "char_tokenizer.json") << R"({"alphabet": "xyz", "unk": "?"})";
  const auto tok = load_tokenizer(dir.string());
  EXPECT_EQ(tok->encode("xzw"), (std::vector<TokenId>{0, 2, 6}));
  std::ofstream(dir / "char_tokenizer.json") << R"({"alphabet": 5})";
  EXPECT_THROW(load_tokenizer(dir.string()), Error);
  fs::remove_all(dir);
  EXPECT_THROW(load_tokenizer(dir.string()), Error);
}
