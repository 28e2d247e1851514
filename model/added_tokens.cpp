// AddedTokenMatcher: candidates bucketed by first byte, tried longest first.
#include "model/added_tokens.h"

#include <algorithm>

namespace rlvr {

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i)
    if (!tokens_[i].content.empty()) by_first_byte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(i);
  for (auto& bucket : by_first_byte_)
    std::stable_sort(bucket.begin(), bucket.end(),
                     [&](size_t a, size_t b) { return tokens_[a].content.size() > tokens_[b].content.size(); });
}

namespace {

bool inside(std::span<const ByteRange> ranges, size_t begin, size_t end) {
  for (const ByteRange& r : ranges) {
    if (r.begin > begin) return false;  // sorted: no later range starts at or before begin
    if (end <= r.end) return true;
  }
  return false;
}

}  // namespace

AddedTokenMatch AddedTokenMatcher::find(std::string_view text, size_t from,
                                        std::span<const ByteRange> special_ranges) const {
  if (tokens_.empty()) return {};
  for (size_t pos = from; pos < text.size(); ++pos) {
    for (size_t i : by_first_byte_[static_cast<unsigned char>(text[pos])]) {
      const AddedToken& t = tokens_[i];
      if (text.compare(pos, t.content.size(), t.content) != 0) continue;
      if (!t.special || inside(special_ranges, pos, pos + t.content.size())) return {pos, t.content.size(), t.id};
    }
  }
  return {};
}

}  // namespace rlvr
