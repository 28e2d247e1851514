// A character-level tokenizer for tiny tasks: one id per character of a fixed alphabet, then the
// special tokens. Unknown characters map to <unk> when the config names one, else throw.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "model/tokenizer.h"

namespace rlvr {

struct AddedTokenMatcher;

struct CharTokenizerConfig {
  std::string alphabet;  // UTF-8; character i gets id i; no repeats
  std::string bos = "<bos>";
  std::string eos = "<eos>";
  std::string pad = "<pad>";
  std::string unk;  // empty: an unknown character is an error
};

class CharTokenizer : public Tokenizer {
 public:
  explicit CharTokenizer(CharTokenizerConfig config);
  ~CharTokenizer() override;
  // Reads {"alphabet": "...", "bos": ..., "eos": ..., "pad": ..., "unk": ...} (all but alphabet optional).
  static std::unique_ptr<CharTokenizer> from_file(const std::string& path);

  std::vector<TokenId> encode_with_special_ranges(std::string_view text,
                                                  std::span<const ByteRange> special_ranges) const override;
  std::string decode(std::span<const TokenId> ids) const override;
  int64_t vocab_size() const override { return int64_t(tokens_.size()); }
  std::optional<TokenId> token_to_id(std::string_view token) const override;
  std::string id_to_token(TokenId id) const override;

 private:
  CharTokenizerConfig config_;
  std::vector<std::string> tokens_;  // by id: the characters, then bos, eos, pad[, unk]
  std::unordered_map<std::string, TokenId> ids_;
  std::optional<TokenId> unk_;
  std::unique_ptr<AddedTokenMatcher> specials_matcher_;
};

}  // namespace rlvr
