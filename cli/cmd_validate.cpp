// `rlvr validate`: checks a run config (schema, --set overrides, cross-key rules, the files it
// names) without running it; prints "ok" and a summary, or the error (exit code 1).
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "cli/args.h"
#include "cli/run_config_arg.h"
#include "cli/commands.h"
#include "trainer/config_schema.h"
#include "trainer/memory_plan.h"
#include "trainer/run_config.h"

namespace rlvr::cli {

namespace {

std::string summary(const trainer::RunConfig& c) {
  std::ostringstream os;
  const auto& m = c.model.init;
  os << "  model      ";
  if (c.model.from_scratch())
    os << "from scratch: " << m.num_hidden_layers << " layers, hidden " << m.hidden_size << ", " << m.num_experts
       << " experts (top-" << m.num_experts_per_tok << ")";
  else
    os << c.model.path;
  os << ", tokenizer " << c.model.tokenizer << "\n";
  os << "  data       " << c.data.train;
  if (!c.data.eval.empty()) os << ", eval " << c.data.eval;
  else if (c.data.eval_size > 0) os << ", eval: " << c.data.eval_size << " rows held out";
  else if (c.data.eval_fraction > 0) os << ", eval: " << c.data.eval_fraction << " held out";
  os << "\n  rollout    " << c.rollout.prompts_per_step << " prompts x " << c.rollout.n << " samples, temperature "
     << c.rollout.sampling.temperature << ", up to " << c.rollout.max_new_tokens << " new tokens, "
     << c.rollout.precision << "\n  rewards   ";
  for (const auto& v : c.rewards.verifiers) os << " " << v.name << " x" << v.weight;
  const auto g = c.algorithm.grpo_config();
  os << "\n  algorithm  GRPO, clip [" << 1 - g.clip_low << ", " << 1 + g.clip_high << "], "
     << (g.scale_by_std ? "std-normalized" : "mean-centred (Dr. GRPO)") << ", loss over "
     << c.algorithm.loss_normalizer << ", rollout correction " << c.algorithm.rollout_correction << ", kl_coef "
     << g.kl_coef << "\n  training   ";
  if (c.sft.steps > 0) os << c.sft.steps << " SFT steps, then ";
  os << c.run.steps << " GRPO steps, lr " << c.optimizer.lr << " (" << c.schedule.decay << ", warm-up "
     << c.schedule.warmup_steps << "), " << c.precision.train << "\n";
  return os.str();
}

}  // namespace

int cmd_validate(const std::vector<std::string>& argv) {
  const Args args(argv, {"--set", "--ranks"}, {"--no-file-checks", "--resolved", "--reference"});
  if (args.has("--reference")) {
    std::fputs(trainer::config_reference_markdown().c_str(), stdout);
    return 0;
  }
  const trainer::RunConfig cfg =
      load_run_config_arg(args, "rlvr validate run.toml [--set KEY=VALUE ...] [--ranks N]", !args.has("--no-file-checks"));
  const std::string& path = args.positionals()[0];
  if (args.has("--resolved")) {
    std::fputs(cfg.to_toml().c_str(), stdout);
    return 0;
  }
  // The memory plan for --ranks data-parallel ranks; checked against run.device_memory_gb only
  // (the GPU that will run it is not this machine's).
  const std::string ranks_arg = args.get_or("--ranks", "1");
  const int ranks = std::atoi(ranks_arg.c_str());
  RLVR_CHECK(ranks >= 1, "cli", "--ranks: expected a positive integer, got '", ranks_arg, "'");
  const trainer::MemoryPlan plan = trainer::memory_plan(cfg, ranks);
  std::string limit;
  trainer::check_memory_fits(plan, trainer::configured_memory_limit(cfg, limit), limit);
  std::printf("ok: %s\n%s  %s\n", path.c_str(), summary(cfg).c_str(), plan.line().c_str());
  return 0;
}

}  // namespace rlvr::cli
