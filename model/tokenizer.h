// The tokenizer interface (text <-> token ids) and load_tokenizer(), which picks the
// implementation from what a model directory holds.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace rlvr {

using TokenId = int32_t;

// Whether special-token strings in the text ("<|im_end|>") become their ids (as Hugging Face
// encode does by default) or are tokenized as ordinary text (for untrusted text that must not
// be able to forge a turn boundary).
enum class SpecialText { Parse, AsText };

// A byte range [begin, end) of a text.
struct ByteRange {
  size_t begin = 0, end = 0;
};

struct SpecialTokens {
  std::vector<TokenId> special;  // every id flagged special, sorted
  std::vector<TokenId> eos;      // generation stops at any of these
  std::optional<TokenId> bos;
  std::optional<TokenId> pad;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // No BOS/EOS is added: prompts are built explicitly (chat templates live with the data).
  std::vector<TokenId> encode(std::string_view text, SpecialText special = SpecialText::Parse) const;
  // encode() reading a special-token string as its id only where it lies wholly inside one of
  // special_ranges (sorted, disjoint), as ordinary text elsewhere: a prompt template's own
  // "<|im_start|>" becomes its id while the dataset text filled into it stays literal. One pass
  // over the whole text, so the text between special tokens splits as a plain encode splits it.
  virtual std::vector<TokenId> encode_with_special_ranges(std::string_view text,
                                                          std::span<const ByteRange> special_ranges) const = 0;
  // Special tokens decode to their text. Bytes that are not valid UTF-8 (a partial character at
  // the end of a truncated completion) become U+FFFD. An id outside the vocabulary throws.
  virtual std::string decode(std::span<const TokenId> ids) const = 0;

  virtual int64_t vocab_size() const = 0;  // largest id + 1
  virtual std::optional<TokenId> token_to_id(std::string_view token) const = 0;
  virtual std::string id_to_token(TokenId id) const = 0;  // the vocabulary's spelling
  const SpecialTokens& special_tokens() const { return specials_; }
  bool is_eos(TokenId id) const;

 protected:
  SpecialTokens specials_;
};

// path is a model directory or a tokenizer file. A directory with tokenizer.json gets the
// byte-level BPE tokenizer, with EOS/BOS/PAD from tokenizer_config.json, generation_config.json
// and config.json beside it; a directory with char_tokenizer.json (or that file itself) gets the
// character tokenizer.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);

// The EOS ids that a model directory's generation_config.json and config.json name (eos_token_id:
// an id or a list of ids), ascending without repeats; empty when neither file names one. Throws
// rlvr::Error naming the file for invalid JSON or an entry that is not an id in [0, vocab_size).
std::vector<TokenId> config_eos_ids(const std::string& model_dir, int64_t vocab_size);

}  // namespace rlvr
