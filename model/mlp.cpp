// The SwiGLU MLP forward and backward (see mlp.h).
#include "model/mlp.h"

#include "kernels/ops.h"
#include "model/layer_helpers.h"

namespace rlvr::model {

using detail::empty_f32;

size_t MlpCache::cached_bytes() const {
  return (g.defined() ? g.nbytes() : 0) + (u.defined() ? u.nbytes() : 0) + gate.cached_bytes() + up.cached_bytes();
}

void mlp_forward(Tensor& y, const Tensor& x, const MlpWeights& w, const Gemms& gemms, MlpCache* cache,
                 LinearOptions in_opts, LinearOptions down_opts) {
  MlpCache local;
  MlpCache& c = cache ? *cache : local;
  c.g = Tensor();
  c.u = Tensor();
  if (cache) {
    gemms.linear(c.g, x, w.gate, &c.gate, in_opts);
    gemms.linear(c.u, x, w.up, &c.up, in_opts);
  } else {
    gemms.linears({{&c.g, &w.gate}, {&c.u, &w.up}}, x, in_opts);
  }
  Tensor a = empty_f32(c.g.shape(), x.device());
  swiglu_forward(a, c.g, c.u);
  gemms.linear(y, a, w.down, nullptr, down_opts);
  if (cache) {
    c.down.precision = gemms.precision;
    c.down.pow2_grad = down_opts.pow2_grad;
    c.down_opts = down_opts;
  }
}

void mlp_backward(Tensor& dx, const Tensor& dy, MlpWeights& w, MlpCache& c) {
  const Precision p = c.down.precision;
  const Device dev = dy.device();
  Tensor a = empty_f32(c.g.shape(), dev);
  swiglu_forward(a, c.g, c.u);  // recompute SwiGLU's output
  c.down = make_linear_cache(a, p, c.down_opts);
  Tensor da;
  linear_backward(&da, dy, w.down, c.down);
  Tensor dg = empty_f32(c.g.shape(), dev), du = empty_f32(c.u.shape(), dev);
  swiglu_backward(dg, du, da, c.g, c.u);
  Tensor dx_up;
  linear_backward(&dx, dg, w.gate, c.gate);
  linear_backward(&dx_up, du, w.up, c.up);
  add_inplace(dx, dx_up);
}

}  // namespace rlvr::model
