// BpeTokenizer encode and decode: added tokens, normalization, pre-tokenization, and the merge
// loop (a min-heap of candidate pairs by rank over a linked list of symbols, cached per word).
#include "model/bpe_tokenizer.h"

#include <utf8proc.h>

#include <cstdlib>
#include <queue>

#include "common/error.h"
#include "model/added_tokens.h"
#include "model/bpe_pretokenizer.h"
#include "model/utf8.h"

namespace rlvr {

namespace {

constexpr size_t kMaxCachedWords = 1 << 18;
constexpr size_t kMaxCachedWordBytes = 256;  // long words (runs of digits, spaces) are merged afresh

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// A candidate merge of the symbol at `left` with the one after it.
struct Candidate {
  uint32_t rank;
  uint32_t left;
  bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
};

}  // namespace

std::vector<TokenId> BpeTokenizer::encode_with_special_ranges(std::string_view text,
                                                             std::span<const ByteRange> special_ranges) const {
  const size_t bad = utf8_find_invalid(text);
  RLVR_CHECK(bad == std::string_view::npos, "model", "tokenizer ", path_, ": input is not valid UTF-8 at byte ", bad);
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + 1);
  size_t pos = 0;
  while (true) {
    const AddedTokenMatch m = added_->find(text, pos, special_ranges);
    const size_t end = m.pos == std::string_view::npos ? text.size() : m.pos;
    if (end > pos) encode_segment(text.substr(pos, end - pos), out);
    if (m.pos == std::string_view::npos) break;
    out.push_back(m.id);
    pos = m.pos + m.len;
  }
  return out;
}

void BpeTokenizer::encode_segment(std::string_view text, std::vector<TokenId>& out) const {
  std::string normalized;
  if (normalize_options_ != 0 && !is_ascii(text)) {  // every normal form leaves ASCII unchanged
    utf8proc_uint8_t* mapped = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                            utf8proc_ssize_t(text.size()), &mapped,
                                            utf8proc_option_t(normalize_options_));
    RLVR_CHECK(n >= 0, "model", "tokenizer ", path_, ": normalization failed: ", utf8proc_errmsg(n));
    normalized.assign(reinterpret_cast<char*>(mapped), size_t(n));
    std::free(mapped);
    text = normalized;
  }
  pre_tokenizer_->split(text, [&](std::string_view word) { encode_word(word, out); });
}

void BpeTokenizer::encode_word(std::string_view word, std::vector<TokenId>& out) const {
  if (word.size() == 1) {
    out.push_back(byte_to_id_[static_cast<unsigned char>(word[0])]);
    return;
  }
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  if (cacheable) {
    std::shared_lock lock(cache_mutex_);
    const auto it = word_cache_.find(word);
    if (it != word_cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t first = out.size();
  merge_word(word, out);
  if (cacheable) {
    std::unique_lock lock(cache_mutex_);
    if (word_cache_.size() >= kMaxCachedWords) word_cache_.clear();
    word_cache_.emplace(std::string(word), std::vector<TokenId>(out.begin() + first, out.end()));
  }
}

void BpeTokenizer::merge_word(std::string_view word, std::vector<TokenId>& out) const {
  if (ignore_merges_) {
    std::string spelled;  // the word in the vocabulary's byte-level alphabet
    for (char c : word) spelled += id_to_token_[byte_to_id_[static_cast<unsigned char>(c)]];
    const auto it = token_to_id_.find(spelled);
    if (it != token_to_id_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  // Symbols in a doubly linked list over a vector; a merged-away symbol gets id -1.
  const uint32_t n = uint32_t(word.size());
  constexpr uint32_t kNone = ~0u;
  std::vector<TokenId> id(n);
  std::vector<uint32_t> prev(n), next(n);
  for (uint32_t i = 0; i < n; ++i) {
    id[i] = byte_to_id_[static_cast<unsigned char>(word[i])];
    prev[i] = i == 0 ? kNone : i - 1;
    next[i] = i + 1 == n ? kNone : i + 1;
  }
  const auto find_merge = [&](uint32_t left) -> const Merge* {
    const uint32_t right = next[left];
    if (right == kNone) return nullptr;
    const auto it = merges_.find((uint64_t(uint32_t(id[left])) << 32) | uint32_t(id[right]));
    return it == merges_.end() ? nullptr : &it->second;
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  for (uint32_t i = 0; i + 1 < n; ++i)
    if (const Merge* m = find_merge(i)) heap.push({m->rank, i});
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    // Skip stale candidates: the left symbol was merged away or its pair changed since.
    if (id[c.left] < 0) continue;
    const Merge* m = find_merge(c.left);
    if (!m || m->rank != c.rank) continue;
    const uint32_t right = next[c.left];
    id[c.left] = m->merged;
    id[right] = -1;
    next[c.left] = next[right];
    if (next[right] != kNone) prev[next[right]] = c.left;
    if (prev[c.left] != kNone)
      if (const Merge* before = find_merge(prev[c.left])) heap.push({before->rank, prev[c.left]});
    if (const Merge* after = find_merge(c.left)) heap.push({after->rank, c.left});
  }
  for (uint32_t i = 0; i != kNone; i = next[i]) out.push_back(id[i]);
}

std::string BpeTokenizer::decode(std::span<const TokenId> ids) const {
  std::string bytes;
  for (TokenId t : ids) {
    RLVR_CHECK(t >= 0 && size_t(t) < id_defined_.size() && id_defined_[t], "model", "tokenizer ", path_,
               ": cannot decode id ", t, " (vocabulary size ", id_to_token_.size(), ")");
    bytes += id_to_bytes_[t];
  }
  return utf8_lossy(bytes);
}

std::optional<TokenId> BpeTokenizer::token_to_id(std::string_view token) const {
  const auto it = token_to_id_.find(token);
  if (it == token_to_id_.end()) return std::nullopt;
  return it->second;
}

std::string BpeTokenizer::id_to_token(TokenId t) const {
  RLVR_CHECK(t >= 0 && size_t(t) < id_defined_.size() && id_defined_[t], "model", "tokenizer ", path_,
             ": no token has id ", t);
  return id_to_token_[t];
}

}  // namespace rlvr
