// Byte-level BPE on small hand-made tokenizer.json files: merge order by rank, pre-token words,
// added tokens, normalization, and a clear error for every malformed or unsupported file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "model/bpe_pretokenizer.h"
#include "model/bpe_tokenizer.h"
#include "model/utf8.h"

using namespace rlvr;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// GPT-2's byte -> character map, written out independently of the library's.
std::string byte_char(int b) {
  int shifted = 256;
  for (int i = 0; i < b; ++i)
    if (!((i >= 33 && i <= 126) || (i >= 161 && i <= 172) || (i >= 174 && i <= 255))) ++shifted;
  const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  std::string s;
  append_utf8(s, char32_t(printable ? b : shifted));
  return s;
}

// Byte b has id b; then "ab" 256, "bc" 257, "abc" 258, "aa" 259, "aaaa" 260, "Ġa" 261.
json tiny_config(const json& merges) {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_char(b)] = b;
  const char* extra[] = {"ab", "bc", "abc", "aa", "aaaa", "\xc4\xa0" "a"};
  for (int i = 0; i < 6; ++i) vocab[extra[i]] = 256 + i;
  return {{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
          {"added_tokens",
           {{{"id", 300}, {"content", "<x>"}, {"special", true}},
            {{"id", 301}, {"content", "<xy>"}, {"special", true}},
            {{"id", 302}, {"content", "<n>"}, {"special", false}}}},
          {"normalizer", nullptr},
          {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
          {"decoder", {{"type", "ByteLevel"}}}};
}

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    path_ = (fs::temp_directory_path() / ("rlvr_tok_" + std::to_string(::getpid()) + "_" +
                                          std::to_string(counter_++) + ".json")).string();
    std::ofstream(path_) << text;
  }
  ~TempFile() { fs::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

std::unique_ptr<BpeTokenizer> make(const json& config) {
  TempFile f(config.dump());
  return BpeTokenizer::from_file(f.path());
}

}  // namespace

struct MergeCase {
  std::vector<std::string> merges;
  std::string text;
  std::vector<TokenId> ids;
};

TEST(BpeTokenizer, MergesApplyByRank) {
  const std::vector<MergeCase> cases = {
      {{}, "abc", {97, 98, 99}},
      {{"b c", "a bc"}, "abc", {258}},
      {{"a b", "b c", "a bc"}, "abc", {256, 99}},        // a+b has the better rank, then nothing joins ab+c
      {{"b c", "a b", "a bc"}, "abc", {258}},
      {{"a a", "aa aa"}, "aaaa", {260}},
      {{"a a", "aa aa"}, "aaa", {259, 97}},               // leftmost pair first
      {{"a a", "aa aa"}, "aaaaa", {260, 97}},
      {{"a a", "a b"}, "aab", {259, 98}},
      {{"a b", "a a"}, "aab", {97, 256}},
      {{"a b", "\xc4\xa0 a"}, "ab ab", {256, 32, 256}},  // a+b ranks before Ġ+a
      {{"\xc4\xa0 a", "a b"}, "ab ab", {256, 261, 98}},
  };
  for (const MergeCase& c : cases) {
    const auto tok = make(tiny_config(c.merges));
    EXPECT_EQ(tok->encode(c.text), c.ids) << c.text << " with " << json(c.merges).dump();
    EXPECT_EQ(tok->decode(c.ids), c.text);
  }
}

TEST(BpeTokenizer, AddedTokensLongestMatchFirst) {
  const auto tok = make(tiny_config(json::array({"a b"})));
  EXPECT_EQ(tok->encode("a<xy>b<x>ab<n>"), (std::vector<TokenId>{97, 301, 98, 300, 256, 302}));
  EXPECT_EQ(tok->encode("<x"), (std::vector<TokenId>{60, 120}));
  EXPECT_EQ(tok->encode("<x>", SpecialText::AsText), (std::vector<TokenId>{60, 120, 62}));
  EXPECT_EQ(tok->encode("<n>", SpecialText::AsText), std::vector<TokenId>{302});  // not special
  EXPECT_EQ(tok->decode(std::vector<TokenId>{301, 256}), "<xy>ab");
  EXPECT_EQ(tok->special_tokens().special, (std::vector<TokenId>{300, 301}));
  EXPECT_EQ(tok->vocab_size(), 303);
  EXPECT_THROW(tok->decode(std::vector<TokenId>{270}), Error);  // a gap in the ids
}

// Special tokens only inside the given ranges (a prompt template's text), literal text elsewhere
// (the dataset row filled into it); the text between them splits as a whole-string encode does.
TEST(BpeTokenizer, SpecialTokensOnlyInsideTheRanges) {
  const auto tok = make(tiny_config(json::array({"a b"})));
  //                       0123456789012
  const std::string text = "<x>ab<x><n>ab<x>";
  const std::vector<ByteRange> template_ranges = {{0, 3}, {13, 16}};
  EXPECT_EQ(tok->encode_with_special_ranges(text, template_ranges),
            (std::vector<TokenId>{300, 256, 60, 120, 62, 302, 256, 300}));  // <n> is not special: always an id
  EXPECT_EQ(tok->encode_with_special_ranges(text, {}), tok->encode(text, SpecialText::AsText));
  const std::vector<ByteRange> whole = {{0, text.size()}};
  EXPECT_EQ(tok->encode_with_special_ranges(text, whole), tok->encode(text));
  // A special token only partly inside a range stays text.
  const std::vector<ByteRange> half = {{0, 2}};
  EXPECT_EQ(tok->encode_with_special_ranges("<x>", half), (std::vector<TokenId>{60, 120, 62}));
  // Without special tokens in the text, the ranges change nothing: "a" + "b" still merge across.
  const std::vector<ByteRange> split = {{0, 1}};
  EXPECT_EQ(tok->encode_with_special_ranges("ab", split), std::vector<TokenId>{256});
}

TEST(BpeTokenizer, NormalizerAndPrefixSpace) {
  json config = tiny_config(json::array());
  EXPECT_EQ(make(config)->encode("e\xcc\x81"), (std::vector<TokenId>{0x65, 0xcc, 0x81}));
  config["normalizer"] = {{"type", "NFC"}};
  EXPECT_EQ(make(config)->encode("e\xcc\x81"), (std::vector<TokenId>{0xc3, 0xa9}));  // é
  config["pre_tokenizer"]["add_prefix_space"] = true;
  EXPECT_EQ(make(config)->encode("a"), (std::vector<TokenId>{32, 97}));
}

TEST(BpeTokenizer, SplitStepIsolatesAndRemoves) {
  json config = tiny_config(json::array({"a b"}));
  config["pre_tokenizer"] = {{"type", "Sequence"},
                             {"pretokenizers",
                              {{{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", "Removed"}},
                               {{"type", "ByteLevel"}, {"use_regex", false}}}}};
  EXPECT_EQ(make(config)->encode("a-b"), (std::vector<TokenId>{97, 98}));  // the dash is dropped, a|b not merged
  config["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Isolated";
  EXPECT_EQ(make(config)->encode("a-b"), (std::vector<TokenId>{97, 45, 98}));
  EXPECT_EQ(make(config)->encode("ab"), std::vector<TokenId>{256});
}

TEST(BpeTokenizer, BadFilesGetClearErrors) {
  const json base = tiny_config(json::array({"a b"}));
  auto with = [&](auto change) {
    json c = base;
    change(c);
    return c.dump();
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"model\": ", "invalid tokenizer JSON"},
      {"[]", "expected an object with a 'model' object"},
      {with([](json& c) { c["model"]["type"] = "WordPiece"; }), "model type 'WordPiece' is not supported"},
      {with([](json& c) { c["model"]["vocab"].erase(byte_char(0)); }), "no token for byte 0"},
      {with([](json& c) { c["model"]["vocab"]["zz"] = 5; }), "id 5 is given to both"},
      {with([](json& c) { c["model"]["vocab"]["zz"] = "five"; }), "model.vocab['zz'] is \"five\""},
      {with([](json& c) { c["model"]["merges"] = {"a zz"}; }), "merge #0 \"a zz\" names a token not in the vocabulary"},
      {with([](json& c) { c["model"]["merges"] = {"a", "abc"}; }), "merge #0 \"a\" is not 'left right'"},
      {with([](json& c) { c["model"]["merges"] = {json::array({"a"})}; }), "is not [left, right]"},
      {with([](json& c) { c["model"]["byte_fallback"] = true; }), "byte_fallback is not supported"},
      {with([](json& c) { c["normalizer"] = {{"type", "Lowercase"}}; }), "unsupported normalizer"},
      {with([](json& c) { c["pre_tokenizer"] = {{"type", "Whitespace"}}; }), "type 'Whitespace'"},
      {with([](json& c) { c["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Isolated"}}; }),
       "has no ByteLevel step"},
      {with([](json& c) {
         c["pre_tokenizer"] = {{"type", "Sequence"},
                               {"pretokenizers", {{{"type", "Split"}, {"pattern", {{"Regex", "(a"}}}, {"behavior", "Isolated"}}}}};
       }),
       "cannot compile pre-tokenizer regex"},
      {with([](json& c) {
         c["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Contiguous"}};
       }),
       "Split behavior 'Contiguous' is not supported"},
      {with([](json& c) { c["added_tokens"][0]["lstrip"] = true; }), "option lstrip is not supported"},
      {with([](json& c) { c["added_tokens"][0].erase("content"); }), "needs 'id' and 'content'"},
      {with([](json& c) { c["decoder"] = {{"type", "WordPiece"}}; }), "is not supported (ByteLevel)"},
  };
  for (const auto& [text, fragment] : cases) {
    TempFile f(text);
    try {
      BpeTokenizer::from_file(f.path());
      ADD_FAILURE() << "no error, expected: " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(f.path()), std::string::npos) << "does not name the file: " << e.what();
    }
  }
}

TEST(BpeTokenizer, OnigPatternsTranslateWhitespace) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(\s+)", R"([\s\x{85}]+)"},
      {R"([^\s\p{L}])", R"([^\s\x{85}\p{L}])"},
      {R"(\s+(?!\S))", R"([\s\x{85}]+(?![^\s\x{85}]))"},
      {R"(\\s)", R"(\\s)"},  // an escaped backslash, then a plain s
      {R"([]\s])", R"([]\s\x{85}])"},
      {R"(\p{N}|[\r\n]+)", R"(\p{N}|[\r\n]+)"},
  };
  for (const auto& [onig, pcre] : cases) EXPECT_EQ(onig_to_pcre2(onig), pcre) << onig;
}

TEST(Utf8, LossyRepairReplacesMaximalSubparts) {
  const std::string r = "\xef\xbf\xbd";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"plain ascii", "plain ascii"},
      {"\xe2\x82\xac", "\xe2\x82\xac"},
      {"\xff", r},
      {"a\xe2\x82", "a" + r},                                 // a truncated sequence is one U+FFFD
      {"\xe2\x82\xe2\x82\xac", r + "\xe2\x82\xac"},
      {"\xed\xa0\x80", r + r + r},                           // a surrogate is three bad bytes
      {"\xf0\x9f\x98", r},
      {"\xc0\xaf", r + r},                                   // overlong
      {"\xf4\x90\x80\x80", r + r + r + r},                   // beyond U+10FFFF
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(utf8_lossy(in), out) << json::binary({in.begin(), in.end()}).dump();
  EXPECT_EQ(utf8_find_invalid("ok\xc3\xa9\xff"), 4u);
}
