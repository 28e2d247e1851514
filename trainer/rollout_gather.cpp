// Gathering per-rank rollout blocks (see rollout_gather.h). Samples travel as CBOR: exact for
// floats and doubles, and indifferent to completions that are not valid UTF-8.
#include "trainer/rollout_gather.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "trainer/data_parallel.h"

namespace rlvr::trainer {

namespace {

nlohmann::json encode(const RolloutBatch& b, const std::vector<std::vector<double>>& columns) {
  nlohmann::json samples = nlohmann::json::array();
  for (size_t i = 0; i < b.samples.size(); ++i) {
    const rollout::Completion& c = b.samples[i];
    nlohmann::json verdicts = nlohmann::json::array();
    for (const auto& v : b.scores[i].verdicts) verdicts.push_back({v.reward, v.status, v.detail});
    nlohmann::json cols = nlohmann::json::array();
    for (const auto& col : columns) cols.push_back(col.at(i));
    samples.push_back({{"p", c.prompt_index}, {"s", c.sample_index}, {"t", c.tokens}, {"l", c.logprobs},
                       {"x", c.text}, {"f", int(c.finish)}, {"r", b.scores[i].reward}, {"v", verdicts},
                       {"c", cols}});
  }
  const auto& g = b.gen;
  return {{"groups", b.prompts.size()}, {"samples", samples},
          {"gen", {g.prefill_tokens, g.decode_tokens, g.decode_steps, g.prefill_seconds, g.decode_seconds}},
          {"time", {b.rollout_seconds, b.reward_seconds}}};
}

}  // namespace

RolloutBatch gather_rollouts(parallel::Communicator* comm, const RolloutBatch& local,
                             const std::vector<const Example*>& all_prompts,
                             std::vector<std::vector<double>>& columns) {
  if (!multi_rank(comm)) return local;
  const std::vector<uint8_t> mine = nlohmann::json::to_cbor(encode(local, columns));
  const auto parts = gather_strings(comm, std::string(mine.begin(), mine.end()));
  RolloutBatch out;
  out.prompts = all_prompts;
  out.group_size = local.group_size;
  for (auto& col : columns) col.clear();
  size_t first_group = 0;
  for (const std::string& part : parts) {
    const nlohmann::json j = nlohmann::json::from_cbor(part);
    for (const auto& s : j.at("samples")) {
      rollout::Completion c;
      c.prompt_index = s.at("p").get<int>() + int(first_group);
      c.sample_index = s.at("s").get<int>();
      c.tokens = s.at("t").get<std::vector<int32_t>>();
      c.logprobs = s.at("l").get<std::vector<float>>();
      c.text = s.at("x").get<std::string>();
      c.finish = rollout::FinishReason(s.at("f").get<int>());
      out.samples.push_back(std::move(c));
      rewards::ScoredSample sc;
      sc.reward = s.at("r").get<double>();
      for (const auto& v : s.at("v"))
        sc.verdicts.push_back({v[0].get<double>(), v[1].get<std::string>(), v[2].get<std::string>()});
      out.scores.push_back(std::move(sc));
      const auto& cols = s.at("c");
      RLVR_CHECK(cols.size() == columns.size(), "trainer", "gathered rollouts: ", cols.size(), " columns, want ",
                 columns.size());
      for (size_t k = 0; k < columns.size(); ++k) columns[k].push_back(cols[k].get<double>());
    }
    const auto& g = j.at("gen");
    out.gen.prefill_tokens += g[0].get<int64_t>();
    out.gen.decode_tokens += g[1].get<int64_t>();
    out.gen.decode_steps = std::max(out.gen.decode_steps, g[2].get<int64_t>());
    out.gen.prefill_seconds = std::max(out.gen.prefill_seconds, g[3].get<double>());
    out.gen.decode_seconds = std::max(out.gen.decode_seconds, g[4].get<double>());
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
