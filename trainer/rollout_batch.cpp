#include "trainer/rollout_batch.h"

#include <chrono>

#include "common/error.h"

namespace rlvr::trainer {

namespace {

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

uint64_t step_seed(uint64_t run_seed, uint64_t purpose, int64_t step) {
  // splitmix64 over the three, so nearby seeds and steps give unrelated streams.
  uint64_t x = run_seed * 0x9E3779B97F4A7C15ull + purpose * 0xD1B54A32D192ED03ull + uint64_t(step);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

RolloutBatch collect_rollouts(model::Transformer& policy, const Tokenizer& tokenizer, rewards::RewardService& service,
                              const RunConfig& cfg, const std::vector<const Example*>& prompts,
                              const RolloutRequest& request) {
  RolloutBatch b;
  b.prompts = prompts;
  b.group_size = request.group_size;
  rollout::GenerationParams gp;
  gp.n = request.group_size;
  gp.max_new_tokens = int(cfg.rollout.max_new_tokens);
  gp.sampling = request.sampling;
  gp.sampling.seed = request.seed;
  gp.first_prompt_index = request.first_prompt_index;
  gp.eos_ids = tokenizer.special_tokens().eos;
  gp.stop_strings = cfg.rollout.stop;
  gp.keep_stop_string = cfg.rollout.keep_stop;
  gp.precision = cfg.rollout.model_precision();
  gp.record_routes = request.record_routes;
  gp.max_batch = int(std::min<int64_t>(int64_t(prompts.size()) * request.group_size, cfg.rollout.max_batch));
  std::vector<std::vector<int32_t>> tokens;
  tokens.reserve(prompts.size());
  for (const Example* e : prompts) tokens.push_back(e->prompt_tokens);
  const rollout::Detokenizer detok = [&](std::span<const int32_t> ids) { return tokenizer.decode(ids); };
  // Each sample is scored as soon as it ends, while the rest are generated.
  const size_t total = prompts.size() * size_t(request.group_size);
  rewards::ScoringSession scoring = service.start(total);
  gp.on_finish = [&](const rollout::Completion& c) {
    const Example& e = *prompts[size_t(c.prompt_index)];
    scoring.submit(size_t(c.prompt_index) * size_t(request.group_size) + size_t(c.sample_index),
                   {e.prompt, c.text, e.row});
  };

  auto t0 = std::chrono::steady_clock::now();
  std::vector<rollout::Completion> completions = rollout::generate(policy, tokens, gp, detok, &b.gen);
  b.rollout_seconds = since(t0);
  RLVR_CHECK(completions.size() == total, "trainer", "the engine returned ", completions.size(), " samples for ",
             prompts.size(), " prompts x ", request.group_size);

  b.samples.resize(completions.size());
  for (size_t i = 0; i < completions.size(); ++i) {
    SampleRecord& r = b.samples[i];
    r.prompt = prompts[i / size_t(request.group_size)];
    r.completion = std::move(completions[i]);
    r.routes = std::move(r.completion.routes);
    r.policy_version = request.policy_version;
  }
  t0 = std::chrono::steady_clock::now();
  std::vector<rewards::ScoredSample> scores = scoring.finish();  // the verdicts generation did not hide
  b.reward_seconds = since(t0);
  for (size_t i = 0; i < scores.size(); ++i) b.samples[i].score = std::move(scores[i]);
  return b;
}

const std::vector<float>& SampleRecord::rollout_logprobs() const {
  return completion.sampling_logprobs.empty() ? completion.logprobs : completion.sampling_logprobs;
}

double SampleRecord::rollout_logprob() const {
  double sum = 0;
  for (float l : rollout_logprobs()) sum += l;
  return sum;
}

double accuracy(const RolloutBatch& b) {
  if (b.samples.empty()) return 0;
  int64_t correct = 0;
  for (const SampleRecord& s : b.samples)
    if (!s.score.verdicts.empty() && s.score.verdicts.front().status == rewards::status::kCorrect) ++correct;
  return double(correct) / double(b.samples.size());
}

}  // namespace rlvr::trainer
