#include "model/expert_balance.h"

#include "common/error.h"

namespace rlvr::model {

void accumulate_load(RouterStats& total, const RouterStats& step) {
  if (total.load.size() < step.load.size()) total.load.resize(step.load.size());
  for (size_t l = 0; l < step.load.size(); ++l) {
    auto& t = total.load[l];
    const auto& s = step.load[l];
    if (t.size() < s.size()) t.resize(s.size(), 0);
    for (size_t e = 0; e < s.size(); ++e) t[e] += s[e];
  }
}

void update_expert_bias(Transformer& model, const RouterStats& load, float rate) {
  if (rate == 0.0f) return;
  auto& layers = model.weights().layers;
  for (size_t l = 0; l < layers.size() && l < load.load.size(); ++l) {
    Tensor& bias = layers[l].moe.expert_bias.value;
    const auto& counts = load.load[l];
    if (!layers[l].is_moe || !bias.defined() || counts.empty()) continue;
    RLVR_CHECK(int64_t(counts.size()) == bias.numel(), "model", "layer ", l, ": load of ", counts.size(),
               " experts for a bias of ", bias.numel());
    double mean = 0;
    for (int64_t c : counts) mean += double(c);
    mean /= double(counts.size());
    Tensor host = bias.to(Device::CPU);  // the same storage on the CPU
    float* b = host.data<float>();
    for (size_t e = 0; e < counts.size(); ++e) {
      const double diff = mean - double(counts[e]);
      b[e] += diff > 0 ? rate : (diff < 0 ? -rate : 0.0f);
    }
    if (bias.device() != Device::CPU) bias.copy_(host);
  }
}

}  // namespace rlvr::model
