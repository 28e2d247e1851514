// load_tokenizer: picks the tokenizer a model directory holds and fills in EOS/BOS/PAD from the
// Hugging Face config files beside it.
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "model/bpe_tokenizer.h"
#include "model/char_tokenizer.h"

namespace rlvr {

namespace fs = std::filesystem;

namespace {

using json = nlohmann::json;

json read_json_if_present(const fs::path& path) {
  if (!fs::exists(path)) return json();
  std::ifstream in(path);
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    RLVR_FAIL("model", "invalid JSON", path.string(), ": ", e.what());
  }
}

// tokenizer_config.json spells a token as a string or as {"content": "..."}.
std::optional<TokenId> config_token(const Tokenizer& tok, const json& config, const char* field, const fs::path& file) {
  if (!config.is_object() || !config.contains(field) || config[field].is_null()) return std::nullopt;
  const json& v = config[field];
  const std::string text = v.is_object() ? v.value("content", "") : v.is_string() ? v.get<std::string>() : "";
  const std::optional<TokenId> id = tok.token_to_id(text);
  RLVR_CHECK(id.has_value(), "model", file.string(), ": ", field, " ", v.dump(), " is not in the vocabulary");
  return id;
}

// One file's eos_token_id: an id or a list of ids.
void add_eos_ids(std::vector<TokenId>& ids, const fs::path& file, int64_t vocab_size) {
  const json config = read_json_if_present(file);
  if (!config.is_object() || !config.contains("eos_token_id") || config["eos_token_id"].is_null()) return;
  const json& v = config["eos_token_id"];
  for (const json& id : v.is_array() ? v : json::array({v})) {
    RLVR_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0 && id.get<int64_t>() < vocab_size, "model",
               file.string(), ": eos_token_id ", v.dump(), " holds something that is not a token id");
    ids.push_back(TokenId(id.get<int64_t>()));
  }
}

void sort_unique(std::vector<TokenId>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

}  // namespace

std::vector<TokenId> Tokenizer::encode(std::string_view text, SpecialText special) const {
  const ByteRange whole{0, text.size()};
  return encode_with_special_ranges(text, special == SpecialText::Parse ? std::span<const ByteRange>(&whole, 1)
                                                                        : std::span<const ByteRange>());
}

bool Tokenizer::is_eos(TokenId id) const {
  return std::find(specials_.eos.begin(), specials_.eos.end(), id) != specials_.eos.end();
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  const bool is_dir = fs::is_directory(path);
  const fs::path dir = is_dir ? fs::path(path) : fs::path(path).parent_path();
  const fs::path file = is_dir ? dir / "tokenizer.json" : fs::path(path);
  if (file.filename() == "char_tokenizer.json" || (is_dir && !fs::exists(file) && fs::exists(dir / "char_tokenizer.json")))
    return CharTokenizer::from_file((dir / "char_tokenizer.json").string());
  RLVR_CHECK(fs::exists(file), "model", "no tokenizer at ", path, " (looked for tokenizer.json and char_tokenizer.json)");

  std::unique_ptr<BpeTokenizer> tok = BpeTokenizer::from_file(file.string());
  SpecialTokens specials = tok->special_tokens();
  const fs::path tokenizer_config = dir / "tokenizer_config.json";
  const json tc = read_json_if_present(tokenizer_config);
  // Generation stops at every EOS any of the files names (Qwen3: <|im_end|> and <|endoftext|>).
  if (auto eos = config_token(*tok, tc, "eos_token", tokenizer_config)) specials.eos.push_back(*eos);
  for (TokenId id : config_eos_ids(dir.string(), tok->vocab_size())) specials.eos.push_back(id);
  sort_unique(specials.eos);
  specials.bos = config_token(*tok, tc, "bos_token", tokenizer_config);
  specials.pad = config_token(*tok, tc, "pad_token", tokenizer_config);
  tok->set_special_tokens(std::move(specials));
  return tok;
}

std::vector<TokenId> config_eos_ids(const std::string& model_dir, int64_t vocab_size) {
  std::vector<TokenId> ids;
  for (const char* file : {"generation_config.json", "config.json"})
    add_eos_ids(ids, fs::path(model_dir) / file, vocab_size);
  sort_unique(ids);
  return ids;
}

}  // namespace rlvr
