#include "trainer/policy_setup.h"

#include "common/error.h"

namespace rlvr::trainer {

CharTokenizerConfig char_tokenizer_config(const RunConfig& cfg) {
  CharTokenizerConfig c;
  c.alphabet = cfg.model.alphabet;
  if (c.alphabet.empty()) {
    for (char ch = ' '; ch <= '~'; ++ch) c.alphabet += ch;
    c.alphabet += '\n';
  }
  return c;
}

std::unique_ptr<Tokenizer> make_tokenizer(const RunConfig& cfg) {
  const std::string& t = cfg.model.tokenizer;
  if (t == "char") return std::make_unique<CharTokenizer>(char_tokenizer_config(cfg));
  return load_tokenizer(t == "auto" ? cfg.model.path : t);
}

namespace {

// The routed experts this rank holds: all, or its share under expert parallelism.
model::ExpertRange held_experts(const RunConfig& cfg, const model::ModelConfig& mc, int rank, int ranks) {
  if (!cfg.run.expert_parallel) return {};
  const int n = mc.num_experts;
  RLVR_CHECK(n > 0 && n % ranks == 0, "config", cfg.where("run.expert_parallel"), ": run.expert_parallel = true over ",
             ranks, " rank(s) needs a MoE model whose num_experts is a multiple of ", ranks, " (it has ", n, ")");
  return model::ExpertRange::of_rank(rank, ranks, n);
}

}  // namespace

model::Transformer make_policy(const RunConfig& cfg, const Tokenizer& tokenizer, int rank, int ranks) {
  if (!cfg.model.from_scratch()) {
    const model::ExpertRange experts =
        held_experts(cfg, model::ModelConfig::load(cfg.model.path + "/config.json"), rank, ranks);
    model::Transformer m = model::Transformer::from_dir(cfg.model.path, experts);
    RLVR_CHECK(m.config().vocab_size >= tokenizer.vocab_size(), "model", cfg.model.path, ": vocab_size ",
               m.config().vocab_size, " is smaller than the tokenizer's ", tokenizer.vocab_size());
    return m;
  }
  model::ModelConfig mc = cfg.model.init;
  if (mc.vocab_size == 0) mc.vocab_size = int(tokenizer.vocab_size());
  RLVR_CHECK(mc.vocab_size >= tokenizer.vocab_size(), "config", "model.init.vocab_size ", mc.vocab_size,
             " is smaller than the tokenizer's ", tokenizer.vocab_size());
  model::Transformer m(mc, held_experts(cfg, mc, rank, ranks));
  model::init_weights(m.config(), m.weights(), uint64_t(cfg.model.init_seed), float(cfg.model.init_std));
  return m;
}

}  // namespace rlvr::trainer
