// BpeTokenizer::from_file: reads and checks a Hugging Face tokenizer.json (vocab, merges, added
// tokens, normalizer, pre-tokenizer, decoder) into the tables encode and decode use.
#include <utf8proc.h>

#include <array>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "model/added_tokens.h"
#include "model/bpe_pretokenizer.h"
#include "model/bpe_tokenizer.h"
#include "model/utf8.h"

namespace rlvr {

namespace {

using json = nlohmann::json;

// GPT-2's reversible byte -> code point map: printable bytes stand for themselves, the others
// are moved to U+0100 and up, so that every token is printable text.
std::array<char32_t, 256> byte_to_unicode() {
  std::array<char32_t, 256> table{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = printable ? char32_t(b) : next++;
  }
  return table;
}

// The bytes a byte-level token spells; a token with other characters stands for its UTF-8.
std::string token_bytes(const std::string& token, const std::array<int, 324>& unicode_to_byte) {
  std::string out;
  for (size_t i = 0; i < token.size();) {
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(token.data() + i),
                                    utf8proc_ssize_t(token.size() - i), &cp);
    if (n <= 0 || cp >= 324 || unicode_to_byte[cp] < 0) return token;
    out.push_back(char(unicode_to_byte[cp]));
    i += size_t(n);
  }
  return out;
}

int normalizer_options(const json& config, const std::string& where) {
  if (config.is_null()) return 0;
  const std::string type = config.value("type", "");
  if (type == "Sequence") {
    int options = 0;
    for (const json& step : config.value("normalizers", json::array())) options |= normalizer_options(step, where);
    return options;
  }
  if (type == "NFC") return UTF8PROC_STABLE | UTF8PROC_COMPOSE;
  if (type == "NFD") return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;
  if (type == "NFKC") return UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
  if (type == "NFKD") return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
  RLVR_FAIL("model", "unsupported normalizer", where, ": type '", type, "' (supported: NFC, NFD, NFKC, NFKD, Sequence)");
}

TokenId json_id(const json& v, const std::string& where) {
  RLVR_CHECK(v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() < (int64_t(1) << 31), "model",
             where, " is ", v.dump(), ", expected a token id");
  return TokenId(v.get<int64_t>());
}

}  // namespace

BpeTokenizer::BpeTokenizer() = default;
BpeTokenizer::~BpeTokenizer() = default;

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_file(const std::string& path) {
  std::ifstream in(path);
  RLVR_CHECK(in.good(), "model", "cannot read tokenizer file ", path);
  json config;
  try {
    config = json::parse(in);
  } catch (const json::exception& e) {
    RLVR_FAIL("model", "invalid tokenizer JSON", path, ": ", e.what());
  }
  RLVR_CHECK(config.is_object() && config.contains("model") && config["model"].is_object(), "model", path,
             ": expected an object with a 'model' object");
  const json& model = config["model"];
  RLVR_CHECK(model.value("type", "BPE") == "BPE", "model", path, ": model type '", model.value("type", ""),
             "' is not supported (BPE)");
  for (const char* field : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const json v = model.value(field, json());
    RLVR_CHECK(v.is_null() || v == "", "model", path, ": model.", field, " = ", v.dump(), " is not supported");
  }
  RLVR_CHECK(!model.value("byte_fallback", false), "model", path, ": model.byte_fallback is not supported");
  const json dropout = model.value("dropout", json());
  RLVR_CHECK(dropout.is_null() || dropout == 0, "model", path, ": BPE dropout is not supported");

  auto tok = std::unique_ptr<BpeTokenizer>(new BpeTokenizer());
  tok->path_ = path;
  tok->ignore_merges_ = model.value("ignore_merges", false);

  // Vocabulary, then added tokens (which may extend it).
  RLVR_CHECK(model.contains("vocab") && model["vocab"].is_object(), "model", path, ": model.vocab must be an object");
  auto define = [&](const std::string& token, TokenId id) {
    if (size_t(id) >= tok->id_to_token_.size()) {
      tok->id_to_token_.resize(size_t(id) + 1);
      tok->id_defined_.resize(size_t(id) + 1);
    }
    RLVR_CHECK(!tok->id_defined_[id] || tok->id_to_token_[id] == token, "model", path, ": id ", id,
               " is given to both '", tok->id_to_token_[id], "' and '", token, "'");
    tok->id_to_token_[id] = token;
    tok->id_defined_[id] = true;
    tok->token_to_id_[token] = id;
  };
  for (const auto& [token, id] : model["vocab"].items()) define(token, json_id(id, path + ": model.vocab['" + token + "']"));

  std::vector<AddedToken> added;
  for (const json& t : config.value("added_tokens", json::array())) {
    const std::string where = path + ": added_tokens entry " + t.dump();
    RLVR_CHECK(t.is_object() && t.contains("content") && t["content"].is_string() && t.contains("id"), "model", where,
               " needs 'id' and 'content'");
    for (const char* option : {"lstrip", "rstrip", "single_word"})
      RLVR_CHECK(!t.value(option, false), "model", where, ": option ", option, " is not supported");
    // NOTE: a token with normalized=true is matched in the raw text too; with an NFC normalizer
    // that differs only for tokens whose text changes under NFC, which no known vocabulary has.
    AddedToken a{t["content"].get<std::string>(), json_id(t["id"], where), t.value("special", false)};
    define(a.content, a.id);
    if (a.special) tok->specials_.special.push_back(a.id);
    added.push_back(std::move(a));
  }
  std::sort(tok->specials_.special.begin(), tok->specials_.special.end());
  tok->added_ = std::make_unique<AddedTokenMatcher>(std::move(added));

  // Byte-level: every byte needs a token, and every token decodes through the reverse map.
  const std::array<char32_t, 256> to_unicode = byte_to_unicode();
  std::array<int, 324> unicode_to_byte;
  unicode_to_byte.fill(-1);
  for (int b = 0; b < 256; ++b) {
    unicode_to_byte[to_unicode[b]] = b;
    std::string ch;
    append_utf8(ch, to_unicode[b]);
    const auto it = tok->token_to_id_.find(ch);
    RLVR_CHECK(it != tok->token_to_id_.end(), "model", path, ": the vocabulary has no token for byte ", b, " ('", ch,
               "'): not a byte-level BPE vocabulary");
    tok->byte_to_id_[b] = it->second;
  }
  tok->id_to_bytes_.resize(tok->id_to_token_.size());
  for (size_t id = 0; id < tok->id_to_token_.size(); ++id)
    if (tok->id_defined_[id]) tok->id_to_bytes_[id] = token_bytes(tok->id_to_token_[id], unicode_to_byte);
  for (const AddedToken& a : tok->added_->tokens()) tok->id_to_bytes_[a.id] = a.content;

  // Merges: "left right" strings (older files) or [left, right] pairs; rank = position.
  const json merges = model.value("merges", json::array());
  RLVR_CHECK(merges.is_array(), "model", path, ": model.merges must be a list");
  tok->merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const json& m = merges[rank];
    std::string left, right;
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      const size_t space = s.find(' ');
      RLVR_CHECK(space != std::string::npos && s.find(' ', space + 1) == std::string::npos, "model", path,
                 ": merge #", rank, " ", m.dump(), " is not 'left right'");
      left = s.substr(0, space);
      right = s.substr(space + 1);
    } else {
      RLVR_CHECK(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(), "model", path, ": merge #",
                 rank, " ", m.dump(), " is not [left, right]");
      left = m[0].get<std::string>();
      right = m[1].get<std::string>();
    }
    const auto l = tok->token_to_id_.find(left), r = tok->token_to_id_.find(right),
               merged = tok->token_to_id_.find(left + right);
    RLVR_CHECK(l != tok->token_to_id_.end() && r != tok->token_to_id_.end() && merged != tok->token_to_id_.end(),
               "model", path, ": merge #", rank, " ", m.dump(), " names a token not in the vocabulary");
    const uint64_t key = (uint64_t(uint32_t(l->second)) << 32) | uint32_t(r->second);
    tok->merges_.try_emplace(key, Merge{uint32_t(rank), merged->second});
  }

  tok->normalize_options_ = normalizer_options(config.value("normalizer", json()), path + ": normalizer");
  RLVR_CHECK(config.contains("pre_tokenizer") && !config["pre_tokenizer"].is_null(), "model", path,
             ": no pre_tokenizer: only byte-level BPE is supported");
  tok->pre_tokenizer_ = PreTokenizer::from_json(config["pre_tokenizer"], path + ": pre_tokenizer");
  const json decoder = config.value("decoder", json());
  RLVR_CHECK(decoder.is_null() || decoder.value("type", "") == "ByteLevel", "model", path, ": decoder ",
             decoder.dump(), " is not supported (ByteLevel)");
  return tok;
}

}  // namespace rlvr
