// Gathering per-rank rollout blocks (see rollout_gather.h). Records travel as CBOR: exact for
// floats and doubles, and indifferent to completions that are not valid UTF-8.
#include "trainer/rollout_gather.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "trainer/data_parallel.h"

namespace rlvr::trainer {

namespace {

using nlohmann::json;

json encode(const SampleRecord& r) {
  const rollout::Completion& c = r.completion;
  json verdicts = json::array();
  for (const auto& v : r.score.verdicts) verdicts.push_back({v.reward, v.status, v.detail});
  // The learner's NaN ("not trained") travels as null: JSON has no NaN.
  return {{"p", c.prompt_index}, {"s", c.sample_index}, {"t", c.tokens}, {"l", c.logprobs},
          {"x", c.text},         {"f", int(c.finish)},  {"r", r.score.reward}, {"v", verdicts},
          {"a", r.advantage},    {"k", r.kept},         {"ll", r.trained() ? json(r.learner_logprob) : json()},
          {"pv", r.policy_version}, {"rt", r.routes}};
}

SampleRecord decode(const json& s, const Example* prompt, int first_group) {
  SampleRecord r;
  r.prompt = prompt;
  rollout::Completion& c = r.completion;
  c.prompt_index = s.at("p").get<int>() + first_group;
  c.sample_index = s.at("s").get<int>();
  c.tokens = s.at("t").get<std::vector<int32_t>>();
  c.logprobs = s.at("l").get<std::vector<float>>();
  c.text = s.at("x").get<std::string>();
  c.finish = rollout::FinishReason(s.at("f").get<int>());
  r.score.reward = s.at("r").get<double>();
  for (const auto& v : s.at("v"))
    r.score.verdicts.push_back({v[0].get<double>(), v[1].get<std::string>(), v[2].get<std::string>()});
  r.advantage = s.at("a").get<float>();
  r.kept = s.at("k").get<bool>();
  if (!s.at("ll").is_null()) r.learner_logprob = s.at("ll").get<double>();
  r.policy_version = s.at("pv").get<int64_t>();
  r.routes = s.at("rt").get<std::vector<uint16_t>>();
  return r;
}

}  // namespace

RolloutBatch gather_rollouts(parallel::Communicator* comm, const RolloutBatch& local,
                             const std::vector<const Example*>& all_prompts) {
  if (!multi_rank(comm)) return local;
  json samples = json::array();
  for (const SampleRecord& r : local.samples) samples.push_back(encode(r));
  const auto& g = local.gen;
  const json mine_json = {{"groups", local.prompts.size()}, {"samples", samples},
                          {"gen", {g.prefill_tokens, g.decode_tokens, g.decode_steps, g.prefill_seconds, g.decode_seconds}},
                          {"time", {local.rollout_seconds, local.reward_seconds}}};
  const std::vector<uint8_t> mine = json::to_cbor(mine_json);
  const auto parts = gather_strings(comm, std::string(mine.begin(), mine.end()));
  RolloutBatch out;
  out.prompts = all_prompts;
  out.group_size = local.group_size;
  size_t first_group = 0;
  for (const std::string& part : parts) {
    const json j = json::from_cbor(part);
    for (const auto& s : j.at("samples")) {
      const size_t group = s.at("p").get<size_t>() + first_group;
      RLVR_CHECK(group < all_prompts.size(), "trainer", "gathered rollouts: group ", group, " of ", all_prompts.size());
      out.samples.push_back(decode(s, all_prompts[group], int(first_group)));
    }
    const auto& gen = j.at("gen");
    out.gen.prefill_tokens += gen[0].get<int64_t>();
    out.gen.decode_tokens += gen[1].get<int64_t>();
    out.gen.decode_steps = std::max(out.gen.decode_steps, gen[2].get<int64_t>());
    out.gen.prefill_seconds = std::max(out.gen.prefill_seconds, gen[3].get<double>());
    out.gen.decode_seconds = std::max(out.gen.decode_seconds, gen[4].get<double>());
    out.rollout_seconds = std::max(out.rollout_seconds, j.at("time")[0].get<double>());
    out.reward_seconds = std::max(out.reward_seconds, j.at("time")[1].get<double>());
    first_group += j.at("groups").get<size_t>();
  }
  RLVR_CHECK(first_group == all_prompts.size() && out.samples.size() == all_prompts.size() * size_t(out.group_size),
             "trainer", "gathered rollouts: ", out.samples.size(), " samples of ", first_group, " groups for ",
             all_prompts.size(), " prompts");
  return out;
}

}  // namespace rlvr::trainer
