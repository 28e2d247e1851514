// Byte-level BPE read from a Hugging Face tokenizer.json (GPT-2 / Llama 3 / Qwen family):
// added tokens matched first, Unicode normalization, regex pre-tokenization, byte-to-unicode
// mapping, merges applied by rank.
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "model/tokenizer.h"

namespace rlvr {

class PreTokenizer;
struct AddedTokenMatcher;

// Lets the maps below be searched with a string_view, without building a std::string.
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringViewHash, std::equal_to<>>;

class BpeTokenizer : public Tokenizer {
 public:
  // Throws rlvr::Error naming the file and the field for anything malformed or unsupported.
  static std::unique_ptr<BpeTokenizer> from_file(const std::string& tokenizer_json_path);
  ~BpeTokenizer() override;

  std::vector<TokenId> encode_with_special_ranges(std::string_view text,
                                                  std::span<const ByteRange> special_ranges) const override;
  std::string decode(std::span<const TokenId> ids) const override;
  int64_t vocab_size() const override { return int64_t(id_to_token_.size()); }
  std::optional<TokenId> token_to_id(std::string_view token) const override;
  std::string id_to_token(TokenId id) const override;

  void set_special_tokens(SpecialTokens specials) { specials_ = std::move(specials); }

 private:
  BpeTokenizer();
  void encode_segment(std::string_view text, std::vector<TokenId>& out) const;
  void encode_word(std::string_view word, std::vector<TokenId>& out) const;
  void merge_word(std::string_view word, std::vector<TokenId>& out) const;

  std::string path_;
  StringMap<TokenId> token_to_id_;
  std::vector<std::string> id_to_token_;     // "" for ids no token has
  std::vector<std::string> id_to_bytes_;     // what each id decodes to
  std::vector<bool> id_defined_;
  TokenId byte_to_id_[256] = {};             // the token of each single byte
  struct Merge {
    uint32_t rank;
    TokenId merged;
  };
  std::unordered_map<uint64_t, Merge> merges_;  // (left id << 32 | right id) -> rank, result
  bool ignore_merges_ = false;                  // a word that is itself a token is taken whole
  int normalize_options_ = 0;                   // utf8proc options; 0: no normalizer
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<AddedTokenMatcher> added_;

  // Words seen before and their ids: text repeats words, and merging is the costly part.
  mutable std::shared_mutex cache_mutex_;
  mutable StringMap<std::vector<TokenId>> word_cache_;
};

}  // namespace rlvr
