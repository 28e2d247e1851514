// CharTokenizer: alphabet characters by position, special tokens after them.
#include "model/char_tokenizer.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "model/added_tokens.h"
#include "model/utf8.h"

namespace rlvr {

CharTokenizer::CharTokenizer(CharTokenizerConfig config) : config_(std::move(config)) {
  const std::string& a = config_.alphabet;
  const size_t bad = utf8_find_invalid(a);
  RLVR_CHECK(bad == std::string::npos, "model", "char tokenizer: alphabet is not valid UTF-8 at byte ", bad);
  RLVR_CHECK(!a.empty(), "model", "char tokenizer: the alphabet is empty");
  for (size_t i = 0; i < a.size();) {
    const size_t n = utf8_sequence_length(a, i);
    const std::string ch = a.substr(i, n);
    RLVR_CHECK(ids_.emplace(ch, TokenId(tokens_.size())).second, "model", "char tokenizer: character '", ch,
               "' appears twice in the alphabet (byte ", i, ")");
    tokens_.push_back(ch);
    i += n;
  }
  std::vector<AddedToken> specials;
  auto add_special = [&](const std::string& name, const char* role) {
    RLVR_CHECK(!name.empty() && utf8_find_invalid(name) == std::string::npos, "model", "char tokenizer: ", role,
               " token '", name, "' must be non-empty valid UTF-8");
    const TokenId id = TokenId(tokens_.size());
    RLVR_CHECK(ids_.emplace(name, id).second, "model", "char tokenizer: ", role, " token '", name, "' is used twice");
    tokens_.push_back(name);
    specials_.special.push_back(id);
    specials.push_back({name, id, true});
    return id;
  };
  specials_.bos = add_special(config_.bos, "bos");
  specials_.eos = {add_special(config_.eos, "eos")};
  specials_.pad = add_special(config_.pad, "pad");
  if (!config_.unk.empty()) unk_ = add_special(config_.unk, "unk");
  specials_matcher_ = std::make_unique<AddedTokenMatcher>(std::move(specials));
}

CharTokenizer::~CharTokenizer() = default;

std::unique_ptr<CharTokenizer> CharTokenizer::from_file(const std::string& path) {
  std::ifstream in(path);
  RLVR_CHECK(in.good(), "model", "cannot read char tokenizer file ", path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    RLVR_FAIL("model", "invalid char tokenizer JSON", path, ": ", e.what());
  }
  RLVR_CHECK(j.is_object() && j.contains("alphabet") && j["alphabet"].is_string(), "model", path,
             ": expected an object with an 'alphabet' string");
  CharTokenizerConfig c;
  try {
    c.alphabet = j["alphabet"].get<std::string>();
    c.bos = j.value("bos", c.bos);
    c.eos = j.value("eos", c.eos);
    c.pad = j.value("pad", c.pad);
    c.unk = j.value("unk", c.unk);
  } catch (const nlohmann::json::exception& e) {
    RLVR_FAIL("model", "bad char tokenizer field", path, ": ", e.what());
  }
  return std::make_unique<CharTokenizer>(std::move(c));
}

std::vector<TokenId> CharTokenizer::encode_with_special_ranges(std::string_view text,
                                                              std::span<const ByteRange> special_ranges) const {
  std::vector<TokenId> out;
  out.reserve(text.size());
  size_t pos = 0;
  AddedTokenMatch next = specials_matcher_->find(text, 0, special_ranges);
  while (pos < text.size()) {
    if (pos == next.pos) {
      out.push_back(next.id);
      pos += next.len;
      next = specials_matcher_->find(text, pos, special_ranges);
      continue;
    }
    const size_t n = utf8_sequence_length(text, pos);
    RLVR_CHECK(n > 0, "model", "char tokenizer: input is not valid UTF-8 at byte ", pos);
    const auto it = ids_.find(std::string(text.substr(pos, n)));
    if (it != ids_.end() && size_t(it->second) < tokens_.size() - specials_.special.size()) {
      out.push_back(it->second);
    } else {
      RLVR_CHECK(unk_.has_value(), "model", "char tokenizer: character '", text.substr(pos, n), "' at byte ", pos,
                 " is not in the alphabet (set an unk token to map it)");
      out.push_back(*unk_);
    }
    pos += n;
  }
  return out;
}

std::string CharTokenizer::decode(std::span<const TokenId> ids) const {
  std::string out;
  for (TokenId t : ids) out += id_to_token(t);
  return out;
}

std::optional<TokenId> CharTokenizer::token_to_id(std::string_view token) const {
  const auto it = ids_.find(std::string(token));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string CharTokenizer::id_to_token(TokenId t) const {
  RLVR_CHECK(t >= 0 && size_t(t) < tokens_.size(), "model", "char tokenizer: id ", t, " out of range [0, ",
             tokens_.size(), ")");
  return tokens_[t];
}

}  // namespace rlvr
