// Run-config rules that involve more than one key, and the files a config names: both run
// before any work starts, and every message points at the key's position in the config.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "rewards/options.h"
#include "trainer/config_internal.h"
#include "trainer/dataset.h"
#include "trainer/prompt_template.h"

namespace rlvr::trainer {

namespace fs = std::filesystem;

namespace {

// The characters of a UTF-8 string (each a string of 1 to 4 bytes).
std::vector<std::string> utf8_chars(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

void check_model(const RunConfig& cfg) {
  const ModelSection& m = cfg.model;
  if (!m.from_scratch() && cfg.origin.count("model.init"))
    RLVR_CONFIG_FAIL(cfg.where("model.init"), "model.init", "set either model.path or a [model.init] table, not both");
  if (m.from_scratch() && m.tokenizer == "auto")
    RLVR_CONFIG_FAIL(cfg.where("model.tokenizer"), "model.tokenizer",
                     "\"auto\" reads tokenizer.json from model.path; a model from [model.init] needs "
                     "tokenizer = \"char\" or a tokenizer.json path");
  if (m.tokenizer == "char") {
    std::set<std::string> seen;
    for (const auto& ch : utf8_chars(m.alphabet))
      if (!seen.insert(ch).second)
        RLVR_CONFIG_FAIL(cfg.where("model.alphabet"), "model.alphabet", "the character '", ch, "' appears twice");
  }
  if (!m.from_scratch()) return;

  const model::ModelConfig& init = m.init;
  const std::string at = cfg.where("model.init");
  if (init.num_attention_heads % init.num_key_value_heads != 0)
    RLVR_CONFIG_FAIL(cfg.where("model.init.num_key_value_heads"), "model.init.num_key_value_heads",
                     "num_attention_heads (", init.num_attention_heads, ") must be a multiple of it (",
                     init.num_key_value_heads, ")");
  if (init.head_dim % 2 != 0)
    RLVR_CONFIG_FAIL(cfg.where("model.init.head_dim"), "model.init.head_dim", "must be even for RoPE, got ",
                     init.head_dim);
  if (init.num_experts > 0 && (init.num_experts_per_tok < 1 || init.num_experts_per_tok > init.num_experts))
    RLVR_CONFIG_FAIL(cfg.where("model.init.num_experts_per_tok"), "model.init.num_experts_per_tok",
                     "must be in [1, num_experts = ", init.num_experts, "], got ", init.num_experts_per_tok);
  const int64_t needed = cfg.data.max_prompt_tokens + cfg.rollout.max_new_tokens;
  if (needed > init.max_position_embeddings)
    RLVR_CONFIG_FAIL(cfg.where("model.init.max_position_embeddings"), "model.init.max_position_embeddings",
                     init.max_position_embeddings, " is shorter than data.max_prompt_tokens + rollout.max_new_tokens = ",
                     needed);
  model::ModelConfig probe = init;
  probe.vocab_size = std::max(probe.vocab_size, 1);  // 0 means "the tokenizer's size"
  try {
    probe.validate();
  } catch (const Error& e) {
    RLVR_CONFIG_FAIL(at, "model.init", e.what());
  }
}

// Entry i's name is a registered verifier, and the verifier constructs from the options the run
// will give it; a bad option is reported at its position (or at the entry when it is missing).
void check_verifier(const RunConfig& cfg, size_t i, const rewards::VerifierSpec& spec,
                    const rewards::Registry& registry) {
  const std::string entry = cat("rewards.verifiers[", i, "]"), name_key = entry + ".name";
  const std::vector<std::string> known = registry.names();
  if (std::find(known.begin(), known.end(), spec.name) == known.end()) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    RLVR_CONFIG_FAIL(cfg.where(name_key), name_key, "unknown verifier '", spec.name, "'",
                     suggestion_suffix(spec.name, known), "; known: ", list);
  }
  auto at = [&](const std::string& key) { return cfg.origin.count(key) ? cfg.where(key) : cfg.where(entry); };
  try {
    registry.create(spec);
  } catch (const rewards::OptionError& e) {
    const std::string key = entry + ".options" + (e.option().empty() ? "" : "." + e.option());
    RLVR_CONFIG_FAIL(at(key), key, e.problem());
  } catch (const Error& e) {
    RLVR_CONFIG_FAIL(at(entry + ".options"), entry + ".options", e.reason());
  }
}

void check_verifiers(const RunConfig& cfg, const LoadOptions& options) {
  double weight_sum = 0;
  for (const VerifierEntry& v : cfg.rewards.verifiers) weight_sum += std::fabs(v.weight);
  if (options.verifiers) {
    const std::vector<rewards::VerifierSpec> specs = reward_verifier_specs(cfg);
    for (size_t i = 0; i < specs.size(); ++i) check_verifier(cfg, i, specs[i], *options.verifiers);
  }
  if (weight_sum == 0)
    RLVR_CONFIG_FAIL(cfg.where("rewards.verifiers[0].weight"), "rewards.verifiers",
                     "every weight is 0, so every reward would be 0");
}

}  // namespace

void check_consistency(const RunConfig& cfg, const LoadOptions& options) {
  check_model(cfg);
  check_verifiers(cfg, options);

  const DataSection& d = cfg.data;
  if (!d.eval.empty() && (d.eval_fraction > 0 || d.eval_size > 0)) {
    const char* key = d.eval_fraction > 0 ? "data.eval_fraction" : "data.eval_size";
    RLVR_CONFIG_FAIL(cfg.where(key), key, "holds out rows of data.train, but data.eval is set; use one or the other");
  }
  if (d.eval_fraction > 0 && d.eval_size > 0)
    RLVR_CONFIG_FAIL(cfg.where("data.eval_size"), "data.eval_size", "set data.eval_fraction or data.eval_size, not both");

  if (cfg.rollout.n == 1)
    RLVR_CONFIG_FAIL(cfg.where("rollout.n"), "rollout.n",
                     "G = 1 with group-normalized advantages gives every sample advantage 0; use n >= 2");
  for (size_t i = 0; i < cfg.rollout.stop.size(); ++i)
    if (cfg.rollout.stop[i].empty())
      RLVR_CONFIG_FAIL(cfg.where("rollout.stop"), cat("rollout.stop[", i, "]"), "an empty stop string would stop at once");

  const int64_t samples = cfg.rollout.n * cfg.rollout.prompts_per_step;
  if (cfg.algorithm.mini_batches > samples)
    RLVR_CONFIG_FAIL(cfg.where("algorithm.mini_batches"), "algorithm.mini_batches", cfg.algorithm.mini_batches,
                     " mini-batches but a rollout batch has only ", samples,
                     " samples (rollout.n x rollout.prompts_per_step)");

  const AlgorithmSection& a = cfg.algorithm;
  if (a.grpo.dual_clip > 0 && a.grpo.dual_clip <= 1)
    RLVR_CONFIG_FAIL(cfg.where("algorithm.dual_clip"), "algorithm.dual_clip", a.grpo.dual_clip,
                     " would bound the loss below the clipped one; use a value > 1 (e.g. 3) or 0 (off)");
  if (a.overlong_buffer > cfg.rollout.max_new_tokens)
    RLVR_CONFIG_FAIL(cfg.where("algorithm.overlong_buffer"), "algorithm.overlong_buffer", a.overlong_buffer,
                     " is longer than rollout.max_new_tokens = ", cfg.rollout.max_new_tokens);

  const bool has_eval = !d.eval.empty() || d.eval_fraction > 0 || d.eval_size > 0;
  if (cfg.logging.eval_every > 0 && !has_eval)
    RLVR_CONFIG_FAIL(cfg.where("logging.eval_every"), "logging.eval_every",
                     "evaluation needs data: set data.eval, data.eval_fraction or data.eval_size");
  if (cfg.sft.steps > 0 && cfg.sft.completion_field.empty())
    RLVR_CONFIG_FAIL(cfg.where("sft.completion_field"), "sft.completion_field", "the SFT phase needs a completion field");
  check_cuda_limits(cfg);
}

namespace {

void require_file(const RunConfig& cfg, const std::string& key, const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) RLVR_CONFIG_FAIL(cfg.where(key), key, "the file does not exist: ", path);
  if (!fs::is_regular_file(path, ec)) RLVR_CONFIG_FAIL(cfg.where(key), key, "not a regular file: ", path);
}

// Reads every row of a JSONL dataset: each must be a JSON object with every field the run uses.
// Returns the number of rows.
int64_t scan_dataset(const RunConfig& cfg, const std::string& key, const std::string& path) {
  require_file(cfg, key, path);
  std::vector<JsonlRow> rows;
  try {
    rows = read_jsonl(path);
  } catch (const Error& e) {
    RLVR_CONFIG_FAIL(cfg.where(key), key, e.reason());
  }
  struct Need { std::string field, key; };
  std::vector<Need> needs;
  for (const auto& f : template_fields(cfg.data.prompt_template)) needs.push_back({f, "data.prompt_template"});
  if (!cfg.data.answer_field.empty()) needs.push_back({cfg.data.answer_field, "data.answer_field"});
  if (cfg.sft.steps > 0) needs.push_back({cfg.sft.completion_field, "sft.completion_field"});

  for (const auto& [line_no, row] : rows)
    for (const auto& need : needs)
      if (!row.contains(need.field)) {
        std::string fields;
        for (auto it = row.begin(); it != row.end(); ++it) fields += (fields.empty() ? "" : ", ") + it.key();
        RLVR_CONFIG_FAIL(cfg.where(need.key), need.key, path, ":", line_no, ": the row has no field '", need.field,
                         "' (its fields: ", fields, ")");
      }
  if (rows.empty()) RLVR_CONFIG_FAIL(cfg.where(key), key, path, ": the dataset has no rows");
  return int64_t(rows.size());
}

void check_model_dir(const RunConfig& cfg) {
  const std::string& dir = cfg.model.path;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    RLVR_CONFIG_FAIL(cfg.where("model.path"), "model.path", "the model directory does not exist: ", dir);
  const fs::path config = fs::path(dir) / "config.json";
  if (!fs::is_regular_file(config, ec))
    RLVR_CONFIG_FAIL(cfg.where("model.path"), "model.path", "no config.json in the model directory ", dir);
  model::ModelConfig loaded;
  try {
    loaded = model::ModelConfig::load(config.string());
    loaded.validate();
  } catch (const Error& e) {
    RLVR_CONFIG_FAIL(cfg.where("model.path"), "model.path", "the model config does not load: ", e.what());
  }
  check_cuda_limits(cfg, loaded);
  const bool has_weights = fs::is_regular_file(fs::path(dir) / "model.safetensors", ec) ||
                           fs::is_regular_file(fs::path(dir) / "model.safetensors.index.json", ec);
  if (!has_weights)
    RLVR_CONFIG_FAIL(cfg.where("model.path"), "model.path",
                     "no model.safetensors or model.safetensors.index.json in the model directory ", dir);
}

}  // namespace

void check_files(const RunConfig& cfg) {
  if (!cfg.model.from_scratch()) check_model_dir(cfg);
  const std::string& tok = cfg.model.tokenizer;
  if (tok == "auto" && !cfg.model.from_scratch()) {
    const fs::path p = fs::path(cfg.model.path) / "tokenizer.json";
    std::error_code ec;
    if (!fs::is_regular_file(p, ec))
      RLVR_CONFIG_FAIL(cfg.where("model.tokenizer"), "model.tokenizer", "\"auto\" needs ", p.string(),
                       ", which does not exist; set a tokenizer.json path or \"char\"");
  } else if (tok != "auto" && tok != "char") {
    require_file(cfg, "model.tokenizer", tok);
  }

  const int64_t train_rows = scan_dataset(cfg, "data.train", cfg.data.train);
  if (!cfg.data.eval.empty()) scan_dataset(cfg, "data.eval", cfg.data.eval);
  const int64_t held_out = cfg.data.eval_size > 0 ? cfg.data.eval_size
                                                  : int64_t(std::ceil(cfg.data.eval_fraction * double(train_rows)));
  if (held_out >= train_rows) {
    const char* key = cfg.data.eval_size > 0 ? "data.eval_size" : "data.eval_fraction";
    RLVR_CONFIG_FAIL(cfg.where(key), key, "holds out ", held_out, " of the ", train_rows,
                     " rows of data.train, leaving none to train on");
  }
}

}  // namespace rlvr::trainer
