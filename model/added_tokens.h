// Finding added/special tokens in text: leftmost occurrence, longest token there, exact bytes.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer.h"

namespace rlvr {

struct AddedToken {
  std::string content;
  TokenId id;
  bool special;
};

struct AddedTokenMatch {
  size_t pos = std::string_view::npos;  // npos: no token in the rest of the text
  size_t len = 0;
  TokenId id = -1;
};

struct AddedTokenMatcher {
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);
  // The first added token at or after `from`; a special one only where it lies wholly inside one
  // of special_ranges (sorted, disjoint byte ranges of text).
  AddedTokenMatch find(std::string_view text, size_t from, std::span<const ByteRange> special_ranges) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  std::vector<AddedToken> tokens_;
  std::vector<size_t> by_first_byte_[256];  // indices into tokens_, longest first
};

}  // namespace rlvr
