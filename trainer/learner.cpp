// SFT and GRPO updates over micro-batches of packed sequences.
#include "trainer/learner.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"
#include "kernels/ops.h"
#include "model/expert_balance.h"
#include "model/token_logprobs.h"
#include "trainer/data_parallel.h"
#include "trainer/route_replay.h"

namespace rlvr::trainer {

std::vector<std::vector<size_t>> pack_micro_batches(const std::vector<TrainSequence>& seqs,
                                                    const std::vector<size_t>& order, int64_t max_tokens) {
  std::vector<std::vector<size_t>> out;
  int64_t used = 0;
  for (size_t i : order) {
    const int64_t len = int64_t(seqs[i].tokens.size());
    if (out.empty() || used + len > max_tokens) {
      out.emplace_back();
      used = 0;
    }
    out.back().push_back(i);
    used += len;
  }
  return out;
}

namespace {

// A forward over some sequences, with what the losses need. The logits and log-probs live on
// the model's device; the per-token log-probs and entropies the host-side losses read are
// copied once.
struct MicroBatch {
  model::Batch batch;
  model::ForwardCache cache;
  Tensor logits;
  model::TokenLogprobs lp;
  Tensor logp_host;            // [T] on the CPU
  mutable Tensor entropy_host;  // [T] on the CPU, computed on first use
  mutable Tensor sampling_host;  // [T] on the CPU, under the rollout's sampling, on first use
  std::vector<size_t> index;   // sequence indices, in packing order
};

// agreement (may be null) adds how often the live routing chose the rollout's experts.
void run_forward(model::Transformer& m, const std::vector<TrainSequence>& seqs, const std::vector<size_t>& idx,
                 const LearnerOptions& opt, bool keep_cache, MicroBatch& mb, RouteAgreement* agreement = nullptr) {
  std::vector<std::vector<int32_t>> toks;
  std::vector<const TrainSequence*> packed;
  toks.reserve(idx.size());
  for (size_t i : idx) {
    RLVR_CHECK(seqs[i].prompt_len >= 1 && seqs[i].completion_len() >= 1, "trainer", "sequence ", i,
               " needs a prompt and a completion (prompt ", seqs[i].prompt_len, ", total ", seqs[i].tokens.size(), ")");
    toks.push_back(seqs[i].tokens);
    packed.push_back(&seqs[i]);
  }
  mb.index = idx;
  mb.batch = model::Batch::pack(toks);
  if (opt.replay_routes || agreement) {
    mb.batch.routes = packed_routes(m.config(), mb.batch, packed);
    mb.batch.replay_routes = opt.replay_routes;
  }
  model::RouterStats stats;
  mb.logits = m.forward(mb.batch, opt.precision, keep_cache ? &mb.cache : nullptr,
                        opt.router_load || agreement ? &stats : nullptr, opt.routed_experts);
  if (opt.router_load) model::accumulate_load(*opt.router_load, stats);
  if (agreement) agreement->records += stats.route_records, agreement->matches += stats.route_matches;
  mb.lp = model::token_logprobs(mb.logits, mb.batch);
  mb.logp_host = mb.lp.logp.to(Device::CPU);
}

// Micro-batches every rank runs in a pass of which this rank has `mine`: when every forward is
// collective (expert parallelism, parameters held in shards) the most any rank has (agreed
// before the pass's first forward), else its own.
size_t lockstep_micro_batches(const model::Transformer& m, const LearnerOptions& opt, size_t mine) {
  if ((!opt.routed_experts && !m.param_gather()) || !multi_rank(opt.comm)) return mine;
  int64_t n = int64_t(mine);
  opt.comm->all_reduce(std::span<int64_t>(&n, 1), parallel::ReduceOp::Max);
  return size_t(n);
}

// A rank's share in another rank's micro-batch when passes are collective: a forward of one
// token (and, with_backward, a backward of a zero gradient), which adds nothing to any gradient.
void idle_micro_batch(model::Transformer& m, const LearnerOptions& opt, bool with_backward) {
  const model::Batch batch = model::Batch::pack({{0}});
  model::ForwardCache cache;
  const Tensor logits = m.forward(batch, opt.precision, with_backward ? &cache : nullptr, nullptr, opt.routed_experts);
  if (with_backward) m.backward(Tensor::zeros(logits.shape(), DType::F32, logits.device()), batch, cache);
}

// After this rank's `mine` micro-batches of a pass in which every rank runs `all`.
void run_idle_micro_batches(model::Transformer& m, const LearnerOptions& opt, size_t mine, size_t all,
                            bool with_backward) {
  for (size_t k = mine; k < all; ++k) idle_micro_batch(m, opt, with_backward);
}

// First packed position predicting sequence k's completion: offset + prompt_len - 1.
int64_t first_prediction(const MicroBatch& mb, const std::vector<TrainSequence>& seqs, size_t k) {
  return mb.batch.seq_offsets[k] + seqs[mb.index[k]].prompt_len - 1;
}

std::vector<float> completion_logp(const MicroBatch& mb, const std::vector<TrainSequence>& seqs, size_t k) {
  const int64_t t0 = first_prediction(mb, seqs, k), n = seqs[mb.index[k]].completion_len();
  const float* lp = mb.logp_host.data<float>();
  return std::vector<float>(lp + t0, lp + t0 + n);
}

std::vector<float> completion_sampling_logp(const MicroBatch& mb, const std::vector<TrainSequence>& seqs, size_t k,
                                            const SamplingParams& sampling) {
  if (!mb.sampling_host.defined()) mb.sampling_host = model::sampling_logprobs(mb.logits, mb.lp, sampling).to(Device::CPU);
  const int64_t t0 = first_prediction(mb, seqs, k), n = seqs[mb.index[k]].completion_len();
  const float* lp = mb.sampling_host.data<float>();
  return std::vector<float>(lp + t0, lp + t0 + n);
}

double completion_entropy(const MicroBatch& mb, const std::vector<TrainSequence>& seqs, size_t k) {
  if (!mb.entropy_host.defined()) {
    Tensor ent = Tensor::empty({mb.batch.n_tokens()}, DType::F32, mb.logits.device());
    softmax_entropy(ent, mb.logits, mb.lp.lse);
    mb.entropy_host = ent.to(Device::CPU);
  }
  const int64_t t0 = first_prediction(mb, seqs, k), n = seqs[mb.index[k]].completion_len();
  const float* ent = mb.entropy_host.data<float>();
  double total = 0;
  for (int64_t t = t0; t < t0 + n; ++t) total += ent[t];
  return total;
}

}  // namespace

SftStepResult sft_step(model::Transformer& m, AdamW& optimizer, const std::vector<TrainSequence>& batch, float lr,
                       const LearnerOptions& opt) {
  SftStepResult r;
  for (const auto& s : batch) r.tokens += s.completion_len();
  r.tokens = sum_over_ranks(opt.comm, r.tokens);
  RLVR_CHECK(r.tokens > 0, "trainer", "SFT batch without completion tokens");
  std::vector<size_t> order(batch.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  m.zero_grad();
  const auto micro = pack_micro_batches(batch, order, opt.micro_batch_tokens);
  const size_t all_micro = lockstep_micro_batches(m, opt, micro.size());
  for (const auto& idx : micro) {
    MicroBatch mb;
    run_forward(m, batch, idx, opt, /*keep_cache=*/true, mb);
    std::vector<float> w(size_t(mb.batch.n_tokens()), 0.0f);
    int64_t n = 0;
    for (size_t k = 0; k < idx.size(); ++k) {
      const int64_t t0 = first_prediction(mb, batch, k), len = batch[idx[k]].completion_len();
      std::fill(w.begin() + t0, w.begin() + t0 + len, 1.0f);
      n += len;
    }
    Tensor dlogits;
    const double loss = model::cross_entropy(mb.logits, mb.batch, w, &dlogits);
    // cross_entropy averages over this micro-batch; the step averages over the whole batch.
    const float share = float(double(n) / double(r.tokens));
    scale_inplace(dlogits, share);
    m.backward(dlogits, mb.batch, mb.cache);
    r.loss += loss * share;
  }
  run_idle_micro_batches(m, opt, micro.size(), all_micro, /*with_backward=*/true);
  r.loss = sum_over_ranks(opt.comm, r.loss);
  r.grad_norm = optimizer.step(lr);
  return r;
}

bool plain_sampling(const SamplingParams& sampling) {
  return sampling.temperature == 0.0f || (sampling.temperature == 1.0f && sampling.top_k == 0 && sampling.top_p >= 1.0f);
}

std::vector<std::vector<float>> completion_logprobs(model::Transformer& m, const std::vector<TrainSequence>& seqs,
                                                    const LearnerOptions& opt, std::vector<double>* entropy_sum,
                                                    RouteAgreement* agreement, const SamplingParams* sampling,
                                                    std::vector<std::vector<float>>* sampling_logp) {
  std::vector<std::vector<float>> out(seqs.size());
  if (entropy_sum) entropy_sum->assign(seqs.size(), 0.0);
  if (sampling_logp) sampling_logp->assign(seqs.size(), {});
  std::vector<size_t> order(seqs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  LearnerOptions no_load = opt;
  no_load.router_load = nullptr;
  const auto micro = pack_micro_batches(seqs, order, opt.micro_batch_tokens);
  const size_t all_micro = lockstep_micro_batches(m, opt, micro.size());
  for (const auto& idx : micro) {
    MicroBatch mb;
    run_forward(m, seqs, idx, no_load, /*keep_cache=*/false, mb, agreement);
    for (size_t k = 0; k < idx.size(); ++k) {
      out[idx[k]] = completion_logp(mb, seqs, k);
      if (entropy_sum) (*entropy_sum)[idx[k]] = completion_entropy(mb, seqs, k);
      if (sampling && sampling_logp) (*sampling_logp)[idx[k]] = completion_sampling_logp(mb, seqs, k, *sampling);
    }
  }
  run_idle_micro_batches(m, no_load, micro.size(), all_micro, /*with_backward=*/false);
  return out;
}

GrpoUpdateResult grpo_update(model::Transformer& m, AdamW& optimizer, model::Transformer* ref,
                             const std::vector<GrpoSample>& samples, const GrpoUpdateOptions& upd,
                             const LearnerOptions& opt, const std::function<float(int64_t)>& lr_at) {
  GrpoUpdateResult r;
  const size_t n = samples.size();
  // Data parallel: this rank's samples are [first, first + n) of n_all, in rank order.
  const std::vector<int64_t> per_rank = gather_over_ranks(opt.comm, int64_t(n));
  const int64_t first =
      multi_rank(opt.comm) ? std::accumulate(per_rank.begin(), per_rank.begin() + opt.comm->rank(), int64_t(0)) : 0;
  const int64_t n_all = std::accumulate(per_rank.begin(), per_rank.end(), int64_t(0));
  if (n_all == 0) return r;
  RLVR_CHECK(upd.epochs >= 1 && upd.mini_batches >= 1, "trainer", "epochs and mini_batches must be at least 1");
  RLVR_CHECK(upd.grpo.kl_coef == 0 || ref != nullptr, "trainer", "a KL penalty needs the reference policy");
  std::vector<TrainSequence> seqs(n);
  for (size_t i = 0; i < n; ++i) {
    seqs[i] = samples[i].seq;
    RLVR_CHECK(samples[i].rollout_logp.empty() || int64_t(samples[i].rollout_logp.size()) == seqs[i].completion_len(),
               "trainer", "sample ", i, ": ", samples[i].rollout_logp.size(), " rollout log-probs for ",
               seqs[i].completion_len(), " completion tokens");
  }
  // Mini-batches: contiguous, near-equal shares of the (global) samples.
  const size_t n_mini = std::min<size_t>(size_t(upd.mini_batches), size_t(n_all));
  std::vector<std::vector<size_t>> mini(n_mini);
  for (size_t i = 0; i < n; ++i) mini[(size_t(first) + i) * n_mini / size_t(n_all)].push_back(i);
  // Each mini-batch's loss normalizer over all ranks.
  const LossNormalizer norm = upd.grpo.loss_normalizer;
  RLVR_CHECK(norm != LossNormalizer::MaxLength || upd.max_new_tokens > 0, "trainer",
             "the max_length loss normalizer needs max_new_tokens");
  std::vector<double> normalizers(n_mini, 0.0);
  for (size_t mi = 0; mi < n_mini; ++mi)
    for (size_t i : mini[mi])
      normalizers[mi] += norm == LossNormalizer::Tokens      ? double(seqs[i].completion_len())
                         : norm == LossNormalizer::Sequences ? 1.0
                                                             : double(upd.max_new_tokens);
  sum_over_ranks(opt.comm, normalizers);
  // The rollout correction compares with the learner under the rollout's sampling distribution.
  const SamplingParams* sampling = plain_sampling(upd.sampling) ? nullptr : &upd.sampling;

  // logp_old: the policy before this update. Samples of the first mini-batch get it from their
  // own first forward (no step has happened yet); the others need a forward now.
  std::vector<std::vector<float>> old(n), old_sampling(n);
  std::vector<double> entropy(n, 0.0);
  std::vector<bool> have_old(n, false);
  if (n_mini > 1) {
    std::vector<TrainSequence> rest;
    std::vector<size_t> rest_idx;
    for (size_t m_i = 1; m_i < n_mini; ++m_i)
      for (size_t i : mini[m_i]) rest.push_back(seqs[i]), rest_idx.push_back(i);
    std::vector<double> ent;
    std::vector<std::vector<float>> lp_sampling;
    auto lp = completion_logprobs(m, rest, opt, &ent, &r.route_agreement, sampling, &lp_sampling);
    for (size_t k = 0; k < rest_idx.size(); ++k) {
      old[rest_idx[k]] = std::move(lp[k]);
      old_sampling[rest_idx[k]] = std::move(lp_sampling[k]);
      entropy[rest_idx[k]] = ent[k];
      have_old[rest_idx[k]] = true;
    }
  }
  std::vector<std::vector<float>> ref_lp;
  if (upd.grpo.kl_coef > 0) {
    LearnerOptions ref_opt = opt;  // the reference holds all its experts and runs them itself
    ref_opt.routed_experts = nullptr;
    ref_opt.replay_routes = false;  // and routes live
    if (upd.reference_precision) ref_opt.precision = *upd.reference_precision;
    ref_lp = completion_logprobs(*ref, seqs, ref_opt);
  }

  for (int64_t epoch = 0; epoch < upd.epochs; ++epoch) {
    for (size_t mi = 0; mi < n_mini; ++mi) {
      const double normalizer = normalizers[mi];
      m.zero_grad();
      double loss = 0;
      const auto micro = pack_micro_batches(seqs, mini[mi], opt.micro_batch_tokens);
      const size_t all_micro = lockstep_micro_batches(m, opt, micro.size());
      for (const auto& idx : micro) {
        MicroBatch mb;
        // The first pass's first mini-batch gives logp_old: its routing is the one compared.
        run_forward(m, seqs, idx, opt, /*keep_cache=*/true, mb, epoch == 0 && mi == 0 ? &r.route_agreement : nullptr);
        std::vector<std::vector<float>> logp(idx.size());
        std::vector<PolicySample> ps(idx.size());
        for (size_t k = 0; k < idx.size(); ++k) {
          const size_t i = idx[k];
          logp[k] = completion_logp(mb, seqs, k);
          if (!have_old[i]) {
            old[i] = logp[k];
            if (sampling) old_sampling[i] = completion_sampling_logp(mb, seqs, k, *sampling);
            entropy[i] = completion_entropy(mb, seqs, k);
            have_old[i] = true;
          }
          ps[k].logp = logp[k];
          ps[k].logp_old = old[i];
          ps[k].logp_rollout = samples[i].rollout_logp;
          ps[k].logp_old_sampling = old_sampling[i];
          if (!ref_lp.empty()) ps[k].logp_ref = ref_lp[i];
          ps[k].advantage = samples[i].advantage;
        }
        std::vector<std::vector<float>> dlogp;
        const PolicyLossStats st = grpo_policy_loss(ps, upd.grpo, normalizer, &dlogp);
        loss += st.loss;
        if (epoch == 0) r.stats.add(st);
        Tensor d = Tensor::zeros({mb.batch.n_tokens()}, DType::F32);
        float* dp = d.data<float>();
        for (size_t k = 0; k < idx.size(); ++k)
          std::copy(dlogp[k].begin(), dlogp[k].end(), dp + first_prediction(mb, seqs, k));
        m.backward(model::token_logprobs_backward(d.to(mb.logits.device()), mb.logits, mb.lp), mb.batch, mb.cache);
      }
      run_idle_micro_batches(m, opt, micro.size(), all_micro, /*with_backward=*/true);
      r.grad_norm += optimizer.step(lr_at(r.optimizer_steps));
      r.loss += sum_over_ranks(opt.comm, loss);
      ++r.optimizer_steps;
    }
  }
  r.loss /= double(r.optimizer_steps);
  r.grad_norm /= double(r.optimizer_steps);

  int64_t tokens = 0;
  double ent = 0, mis = 0;
  r.learner_logp_sum.assign(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    ent += entropy[i];
    tokens += int64_t(old[i].size());
    const std::vector<float>& learner = old_sampling[i].empty() ? old[i] : old_sampling[i];
    for (size_t t = 0; t < learner.size(); ++t) {
      r.learner_logp_sum[i] += learner[t];
      if (samples[i].rollout_logp.empty()) continue;
      const double diff = std::abs(double(learner[t]) - samples[i].rollout_logp[t]);
      mis += diff;
      r.mismatch_max = std::max(r.mismatch_max, diff);
    }
  }
  if (multi_rank(opt.comm)) {
    PolicyLossStats& st = r.stats;
    std::vector<double> sums{ent, double(tokens), mis, st.loss, double(st.tokens),
                             double(st.clipped_tokens), st.ratio_sum, st.kl_sum,
                             st.mismatch_abs_sum, st.tis_weight_sum, double(st.rollout_tokens),
                             st.rollout_kl_sum, double(st.ratio_outside), double(st.masked_tokens),
                             double(r.route_agreement.records), double(r.route_agreement.matches)};
    sum_over_ranks(opt.comm, sums);
    ent = sums[0], tokens = int64_t(sums[1]), mis = sums[2];
    st.loss = sums[3], st.tokens = int64_t(sums[4]), st.clipped_tokens = int64_t(sums[5]);
    st.ratio_sum = sums[6], st.kl_sum = sums[7], st.mismatch_abs_sum = sums[8];
    st.tis_weight_sum = sums[9], st.rollout_tokens = int64_t(sums[10]), st.rollout_kl_sum = sums[11];
    st.ratio_outside = int64_t(sums[12]), st.masked_tokens = int64_t(sums[13]);
    r.route_agreement = {int64_t(sums[14]), int64_t(sums[15])};
    st.mismatch_max = max_over_ranks(opt.comm, st.mismatch_max);
    st.ratio_max = max_over_ranks(opt.comm, st.ratio_max);
    r.mismatch_max = max_over_ranks(opt.comm, r.mismatch_max);
  }
  r.entropy = ent / double(std::max<int64_t>(tokens, 1));
  r.mismatch_mean = mis / double(std::max<int64_t>(tokens, 1));
  return r;
}

}  // namespace rlvr::trainer
