// One decoder layer: x + attention(norm(x)), then + mlp_or_moe(norm(.)). Training forward,
// backward, and the cached pass of generation, each built from the attention (grouped-query, or
// multi-head latent when cfg.uses_mla()), MLP and MoE blocks.
#pragma once

#include <cstdint>
#include <vector>

#include "model/attention.h"
#include "model/mla.h"
#include "model/mlp.h"
#include "model/moe.h"

namespace rlvr::model {

struct LayerCache {
  Tensor x_in, rstd1;  // residual stream entering the layer [T, C]; input_layernorm's rstd
  AttentionCache attn;  // grouped-query attention
  MlaCache mla;         // or multi-head latent attention
  Tensor x_mid, rstd2;  // residual after attention; post_attention_layernorm's rstd
  MlpCache mlp;         // dense layers
  MoeCache moe;         // MoE layers
  size_t cached_bytes() const;
};

// x [T, C] is replaced by the layer's output. cache may be null (no backward); load (may be
// null) gets the MoE layer's tokens per expert; routes (may be null): the MoE layer's replay.
void layer_forward(Tensor& x, const LayerWeights& w, const ModelConfig& cfg, const Batch& batch, const Gemms& gemms,
                   RoutedExperts& routed, LayerCache* cache, std::vector<int64_t>* load,
                   LayerRoutes* routes = nullptr);
// dx [T, C]: the gradient at the layer's output, replaced by the one at its input.
void layer_backward(Tensor& dx, LayerWeights& w, const ModelConfig& cfg, const Batch& batch, LayerCache& cache);
// The cached pass of layer `layer` (see attention_decode); x [T, C] is replaced. routes (may be
// null): the MoE layer's recording.
void layer_decode(Tensor& x, const LayerWeights& w, const ModelConfig& cfg, int layer, const KvAppend& at,
                  KvCache& kv, const Gemms& gemms, LayerRoutes* routes = nullptr);

}  // namespace rlvr::model
