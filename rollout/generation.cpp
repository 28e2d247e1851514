// The rollout engine: a queue of (prompt, sample) pairs feeding a fixed set of KV slots. Each
// prompt is prefilled once; its other samples copy (or keep, on reuse) its KV prefix and start
// from the prefill's last logits. Finished samples free their slot for the next in the queue.
#include "rollout/generation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>

#include "kernels/ops_sampling.h"
#include "model/kv_cache.h"
#include "rollout/stop_strings.h"

namespace rlvr::rollout {

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::Stop: return "stop";
    case FinishReason::Eos: return "eos";
    case FinishReason::Length: return "length";
    case FinishReason::Error: return "error";
  }
  return "?";
}

void validate_generation(const model::ModelConfig& cfg, const std::vector<std::vector<int32_t>>& prompts,
                         const GenerationParams& p, bool have_detokenizer) {
  RLVR_CHECK(p.n >= 1, "rollout", "n (samples per prompt) must be at least 1, got ", p.n);
  RLVR_CHECK(p.max_new_tokens >= 1, "rollout", "max_new_tokens must be at least 1, got ", p.max_new_tokens);
  RLVR_CHECK(p.max_batch >= 1, "rollout", "max_batch must be at least 1, got ", p.max_batch);
  RLVR_CHECK(p.first_prompt_index >= 0 && p.first_prompt_index + int64_t(prompts.size()) <= (int64_t(1) << 32),
             "rollout", "first_prompt_index must be in [0, 2^32 - prompts], got ", p.first_prompt_index);
  RLVR_CHECK(std::isfinite(p.sampling.temperature) && p.sampling.temperature >= 0, "rollout",
             "temperature must be a finite value >= 0, got ", p.sampling.temperature);
  RLVR_CHECK(p.sampling.top_p > 0 && p.sampling.top_p <= 1, "rollout", "top_p must be in (0, 1], got ",
             p.sampling.top_p);
  RLVR_CHECK(p.sampling.top_k >= 0, "rollout", "top_k must be >= 0 (0 = off), got ", p.sampling.top_k);
  RLVR_CHECK(p.stop_strings.empty() || have_detokenizer, "rollout",
             "stop_strings need a detokenizer (a model directory with a tokenizer)");
  RLVR_CHECK(!p.record_routes || cfg.num_experts <= 65536, "rollout", "record_routes keeps expert ids as uint16; ",
             cfg.num_experts, " experts do not fit");
  for (int32_t id : p.eos_ids)
    RLVR_CHECK(id >= 0 && id < cfg.vocab_size, "rollout", "eos id ", id, " outside the vocabulary (vocab_size ",
               cfg.vocab_size, ")");
  for (size_t i = 0; i < prompts.size(); ++i) validate_prompt(cfg, prompts[i], cat("prompt ", i));
}

void validate_prompt(const model::ModelConfig& cfg, std::span<const int32_t> prompt, const std::string& name) {
  RLVR_CHECK(!prompt.empty(), "rollout", name, ": empty prompt");
  RLVR_CHECK(int64_t(prompt.size()) < cfg.max_position_embeddings, "rollout", name, ": ", prompt.size(),
             " tokens, longer than the context leaves room for (max_position_embeddings ",
             cfg.max_position_embeddings, ")");
  for (size_t t = 0; t < prompt.size(); ++t)
    RLVR_CHECK(prompt[t] >= 0 && prompt[t] < cfg.vocab_size, "rollout", name, ": token id ", prompt[t],
               " at position ", t, " outside the vocabulary (vocab_size ", cfg.vocab_size, ")");
}

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Token t's expert choices from a pass's routes i32 [M, T, k] on the host, as [M][k].
std::vector<uint16_t> token_routes(const Tensor& routes, int64_t t) {
  if (!routes.defined()) return {};
  const int64_t M = routes.dim(0), T = routes.dim(1), K = routes.dim(2);
  std::vector<uint16_t> out(size_t(M * K));
  for (int64_t m = 0; m < M; ++m)
    for (int64_t j = 0; j < K; ++j) out[size_t(m * K + j)] = uint16_t(routes.data<int32_t>()[(m * T + t) * K + j]);
  return out;
}

struct Slot {
  bool active = false;
  int kv_prompt = -1;        // the prompt whose KV prefix rows [0, prompt length) this slot holds
  Completion* out = nullptr;
  int64_t cap = 0;           // most tokens this sample may generate
};

class Engine {
 public:
  Engine(model::Transformer& m, const std::vector<std::vector<int32_t>>& prompts, const GenerationParams& p,
         const Detokenizer& detok, GenerationStats& stats)
      : m_(m), prompts_(prompts), p_(p), detok_(detok), stats_(stats), stops_(p.stop_strings, p.keep_stop_string) {
    const int64_t ctx = m.config().max_position_embeddings;
    int64_t max_len = 1;
    for (const auto& pr : prompts) max_len = std::max(max_len, std::min<int64_t>(int64_t(pr.size()) + p.max_new_tokens, ctx));
    const int64_t total = int64_t(prompts.size()) * p.n;
    slots_.resize(size_t(std::min<int64_t>(p.max_batch, std::max<int64_t>(total, 1))));
    kv_ = model::KvCache(m.config(), int(slots_.size()), max_len, m.device());
    out_.resize(size_t(total));
  }

  std::vector<Completion> run() {
    size_t next = 0;  // queue position: sample next % n of prompt next / n
    for (;;) {
      for (size_t s = 0; s < slots_.size() && next < out_.size(); ++s)
        if (!slots_[s].active) admit(int(s), next++);
      if (std::none_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.active; })) {
        if (next >= out_.size()) break;
        continue;
      }
      step();
    }
    return std::move(out_);
  }

 private:
  // Streams are keyed by the prompt's index in the whole batch (first_prompt_index + local index),
  // so a data-parallel rank holding a slice of the prompts samples what one rank would.
  uint64_t stream(const Completion& c) const {
    return (uint64_t(p_.first_prompt_index + int64_t(c.prompt_index)) << 32) | uint64_t(c.sample_index);
  }

  // Starts sample `index` of the queue in a free slot, with its prompt's KV and first token.
  void admit(int slot, size_t index) {
    const int p = int(index / size_t(p_.n)), s = int(index % size_t(p_.n));
    const int64_t L = int64_t(prompts_[size_t(p)].size());
    Slot& sl = slots_[size_t(slot)];
    if (sl.kv_prompt == p) {
      kv_.set_length(slot, L);  // reuse: the prompt's rows are still there
    } else if (auto src = slot_holding(p)) {
      kv_.copy_prefix(*src, slot, L);
    } else {
      const auto t0 = Clock::now();
      kv_.clear(slot);
      Tensor routes;
      first_logits_[p] = m_.forward_cached(model::Batch::pack({prompts_[size_t(p)]}), {slot}, kv_, p_.precision,
                                           model::CachedPass::Prefill, false, p_.record_routes ? &routes : nullptr);
      if (p_.record_routes) first_routes_[p] = token_routes(routes.to(Device::CPU), L - 1);
      stats_.prefill_tokens += L;
      stats_.prefill_seconds += seconds_since(t0);
    }
    sl.kv_prompt = p;
    Completion& c = out_[index];
    c.prompt_index = p;
    c.sample_index = s;
    sl.out = &c;
    sl.active = true;
    sl.cap = std::min<int64_t>(p_.max_new_tokens, m_.config().max_position_embeddings - L);
    const Drawn d = draw(first_logits_.at(p), {stream(c)}, {0});
    append(sl, d, 0, p_.record_routes ? first_routes_.at(p) : no_routes_);
    if (s + 1 == p_.n) first_logits_.erase(p), first_routes_.erase(p);
  }

  std::optional<int> slot_holding(int prompt) const {
    for (size_t s = 0; s < slots_.size(); ++s)
      if (slots_[s].kv_prompt == prompt) return int(s);
    return std::nullopt;
  }

  // One decode step for every active slot: feed its last token, sample the next.
  void step() {
    const auto t0 = Clock::now();
    std::vector<int> ids;
    std::vector<std::vector<int32_t>> feed;
    std::vector<uint64_t> streams, counters;
    for (size_t s = 0; s < slots_.size(); ++s) {
      if (!slots_[s].active) continue;
      const Completion& c = *slots_[s].out;
      ids.push_back(int(s));
      feed.push_back({c.tokens.back()});
      streams.push_back(stream(c));
      counters.push_back(c.tokens.size());
    }
    Tensor routes;
    const Tensor logits = m_.forward_cached(model::Batch::pack(feed), ids, kv_, p_.precision, model::CachedPass::Decode,
                                            false, p_.record_routes ? &routes : nullptr);
    const int64_t B = int64_t(ids.size());
    const Drawn d = draw(logits, streams, counters);
    if (p_.record_routes) routes = routes.to(Device::CPU);
    for (int64_t b = 0; b < B; ++b) append(slots_[size_t(ids[size_t(b)])], d, b, token_routes(routes, b));
    stats_.decode_tokens += B;
    stats_.decode_steps += 1;
    stats_.decode_seconds += seconds_since(t0);
  }

  // Each row's token and log-probs, on the CPU: support_lp is defined when top-k / top-p filter.
  struct Drawn {
    Tensor tok, lp, support_lp;
  };

  Drawn draw(const Tensor& logits, const std::vector<uint64_t>& streams, const std::vector<uint64_t>& counters) {
    const int64_t B = logits.dim(0);
    Drawn d{Tensor::empty({B}, DType::I32, logits.device()), Tensor::empty({B}, DType::F32, logits.device()), {}};
    sample_tokens(d.tok, d.lp, logits, p_.sampling, streams, counters);
    if (filtered()) {
      d.support_lp = Tensor::empty({B}, DType::F32, logits.device());
      sampling_logprobs(d.support_lp, logits, d.tok, p_.sampling);
      d.support_lp = d.support_lp.to(Device::CPU);
    }
    d.tok = d.tok.to(Device::CPU);
    d.lp = d.lp.to(Device::CPU);
    return d;
  }

  bool filtered() const {
    return p_.sampling.temperature != 0.0f && (p_.sampling.top_k > 0 || p_.sampling.top_p < 1.0f);
  }

  // The slot's next token (row b of d, with the choices of the position that drew it, when
  // recorded); a sample that ends goes to on_finish at once.
  void append(Slot& sl, const Drawn& d, int64_t b, const std::vector<uint16_t>& routes) {
    if (d.tok.data<int32_t>()[b] >= 0) sl.out->routes.insert(sl.out->routes.end(), routes.begin(), routes.end());
    add_token(sl, d, b);
    if (!sl.active && p_.on_finish) p_.on_finish(*sl.out);
  }

  void add_token(Slot& sl, const Drawn& d, int64_t b) {
    Completion& c = *sl.out;
    const int32_t token = d.tok.data<int32_t>()[b];
    if (token < 0) return finish(sl, FinishReason::Error);  // no finite logit: degenerate sampling
    c.tokens.push_back(token);
    c.logprobs.push_back(d.lp.data<float>()[b]);
    if (d.support_lp.defined()) c.sampling_logprobs.push_back(d.support_lp.data<float>()[b]);
    if (std::find(p_.eos_ids.begin(), p_.eos_ids.end(), token) != p_.eos_ids.end())
      return finish(sl, FinishReason::Eos);
    if (detok_ && !stops_.empty()) {
      std::optional<std::string> cut;
      try {
        cut = stops_.check(c.tokens, detok_);
      } catch (const Error&) {
        return undecodable(sl);
      }
      if (cut) {
        c.text = std::move(*cut);
        sl.active = false;
        c.finish = FinishReason::Stop;
        return;
      }
    }
    if (int64_t(c.tokens.size()) >= sl.cap) finish(sl, FinishReason::Length);
  }

  void finish(Slot& sl, FinishReason why) {
    Completion& c = *sl.out;
    c.finish = why;
    sl.active = false;
    if (!detok_) return;
    std::span<const int32_t> body(c.tokens);
    if (why == FinishReason::Eos) body = body.first(body.size() - 1);
    try {
      c.text = detok_(body);
    } catch (const Error&) {
      undecodable(sl);
    }
  }

  // Tokens the detokenizer refuses cost this sample (no text, finish "error"), not the batch.
  void undecodable(Slot& sl) {
    sl.active = false;
    sl.out->text.clear();
    sl.out->finish = FinishReason::Error;
  }

  model::Transformer& m_;
  const std::vector<std::vector<int32_t>>& prompts_;
  const GenerationParams& p_;
  const Detokenizer& detok_;
  GenerationStats& stats_;
  StopMatcher stops_;
  std::vector<Slot> slots_;
  model::KvCache kv_;
  std::vector<Completion> out_;
  std::map<int, Tensor> first_logits_;  // prefill logits [1, V] until the prompt's last sample starts
  std::map<int, std::vector<uint16_t>> first_routes_;  // and the choices of the prompt's last token
  const std::vector<uint16_t> no_routes_;
};

}  // namespace

std::vector<Completion> generate(model::Transformer& model, const std::vector<std::vector<int32_t>>& prompts,
                                 const GenerationParams& params, const Detokenizer& detokenize, GenerationStats* stats) {
  validate_generation(model.config(), prompts, params, bool(detokenize));
  GenerationStats local;
  Engine engine(model, prompts, params, detokenize, stats ? *stats : local);
  return engine.run();
}

}  // namespace rlvr::rollout
