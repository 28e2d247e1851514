// Rollout batches as documents (see rollout_gather.h).
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
          {"sl", c.sampling_logprobs},
          {"x", c.text},         {"f", int(c.finish)},  {"r", r.score.reward}, {"v", verdicts},
          {"a", r.advantage},    {"k", r.kept},         {"ll", r.trained() ? json(r.learner_logprob) : json()},
          {"pv", r.policy_version}, {"rt", r.routes}};
}

SampleRecord decode(const json& s, const Example* prompt, int prompt_index_offset) {
  SampleRecord r;
  r.prompt = prompt;
  rollout::Completion& c = r.completion;
  c.prompt_index = s.at("p").get<int>() + prompt_index_offset;
  c.sample_index = s.at("s").get<int>();
  c.tokens = s.at("t").get<std::vector<int32_t>>();
  c.logprobs = s.at("l").get<std::vector<float>>();
  if (s.contains("sl")) c.sampling_logprobs = s.at("sl").get<std::vector<float>>();
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

nlohmann::json batch_to_json(const RolloutBatch& b) {
  json samples = json::array();
  for (const SampleRecord& r : b.samples) samples.push_back(encode(r));
  const auto& g = b.gen;
  return {{"groups", b.prompts.size()}, {"samples", samples},
          {"gen", {g.prefill_tokens, g.decode_tokens, g.decode_steps, g.prefill_seconds, g.decode_seconds}},
          {"time", {b.rollout_seconds, b.reward_seconds}}};
}

RolloutBatch batch_from_json(const json& doc, const std::vector<const Example*>& prompts, int prompt_index_offset,
                             int group_size) {
  RolloutBatch b;
  b.prompts = prompts;
  b.group_size = group_size;
  RLVR_CHECK(doc.at("groups").get<size_t>() == prompts.size(), "trainer", "rollout batch of ",
             doc.at("groups").get<size_t>(), " groups for ", prompts.size(), " prompts");
  for (const auto& s : doc.at("samples")) {
    const size_t group = s.at("p").get<size_t>();
    RLVR_CHECK(group < prompts.size(), "trainer", "rollout batch: group ", group, " of ", prompts.size());
    b.samples.push_back(decode(s, prompts[group], prompt_index_offset));
  }
  const auto& g = doc.at("gen");
  b.gen = {g[0].get<int64_t>(), g[1].get<int64_t>(), g[2].get<int64_t>(), g[3].get<double>(), g[4].get<double>()};
  b.rollout_seconds = doc.at("time")[0].get<double>();
  b.reward_seconds = doc.at("time")[1].get<double>();
  return b;
}

RolloutBatch gather_rollouts(parallel::Communicator* comm, const RolloutBatch& local,
                             const std::vector<const Example*>& all_prompts) {
  if (!multi_rank(comm)) return local;
  const std::vector<uint8_t> mine = json::to_cbor(batch_to_json(local));
  const auto parts = gather_strings(comm, std::string(mine.begin(), mine.end()));
  RolloutBatch out;
  out.prompts = all_prompts;
  out.group_size = local.group_size;
  size_t first_group = 0;
  for (const std::string& part : parts) {
    const json doc = json::from_cbor(part);
    const size_t groups = doc.at("groups").get<size_t>();
    RLVR_CHECK(first_group + groups <= all_prompts.size(), "trainer", "gathered rollouts: more groups than prompts");
    const std::vector<const Example*> prompts(all_prompts.begin() + long(first_group),
                                              all_prompts.begin() + long(first_group + groups));
    RolloutBatch b = batch_from_json(doc, prompts, int(first_group), local.group_size);
    for (SampleRecord& r : b.samples) out.samples.push_back(std::move(r));
    out.gen.prefill_tokens += b.gen.prefill_tokens;
    out.gen.decode_tokens += b.gen.decode_tokens;
    out.gen.decode_steps = std::max(out.gen.decode_steps, b.gen.decode_steps);
    out.gen.prefill_seconds = std::max(out.gen.prefill_seconds, b.gen.prefill_seconds);
    out.gen.decode_seconds = std::max(out.gen.decode_seconds, b.gen.decode_seconds);
    out.rollout_seconds = std::max(out.rollout_seconds, b.rollout_seconds);
    out.reward_seconds = std::max(out.reward_seconds, b.reward_seconds);
    first_group += groups;
  }
  RLVR_CHECK(first_group == all_prompts.size() && out.samples.size() == all_prompts.size() * size_t(out.group_size),
             "trainer", "gathered rollouts: ", out.samples.size(), " samples of ", first_group, " groups for ",
             all_prompts.size(), " prompts");
  return out;
}

}  // namespace rlvr::trainer
