// The routed expert's SwiGLU MLP over its rows (see the header).
#include "dist/expert_mlp.h"

#include "kernels/ops_swiglu.h"

namespace rlvr::dist {

namespace {
// Recipe: power-of-2 scales for the experts' input (the FP8 dispatch payload) and for the
// activation gradient entering the down projection.
constexpr model::LinearOptions kInOpts{true, false}, kDownOpts{false, true};

void add_inplace(Tensor& a, const Tensor& b) {
  float* x = a.data<float>();
  const float* y = b.data<float>();
  for (int64_t i = 0, n = a.numel(); i < n; ++i) x[i] += y[i];
}
}  // namespace

void expert_mlp_forward(Tensor& y, const Tensor& x, const model::MlpWeights& w, model::Precision p,
                        model::MlpCache& c) {
  c.g = Tensor();
  c.u = Tensor();
  model::linear_forward(c.g, x, w.gate, p, &c.gate, kInOpts);
  model::linear_forward(c.u, x, w.up, p, &c.up, kInOpts);
  Tensor a = Tensor::empty(c.g.shape(), DType::F32);
  swiglu_forward(a, c.g, c.u);
  model::linear_forward(y, a, w.down, p, nullptr, kDownOpts);
  c.down.precision = p;
  c.down.pow2_grad = kDownOpts.pow2_grad;
  c.down_opts = kDownOpts;
}

void expert_mlp_backward(Tensor& dx, const Tensor& dy, model::MlpWeights& w, model::MlpCache& c) {
  Tensor a = Tensor::empty(c.g.shape(), DType::F32);
  swiglu_forward(a, c.g, c.u);
  c.down = model::make_linear_cache(a, c.down.precision, c.down_opts);
  Tensor da;
  model::linear_backward(&da, dy, w.down, c.down);
  Tensor dg = Tensor::empty(c.g.shape(), DType::F32), du = Tensor::empty(c.u.shape(), DType::F32);
  swiglu_backward(dg, du, da, c.g, c.u);
  Tensor dx_up;
  model::linear_backward(&dx, dg, w.gate, c.gate);
  model::linear_backward(&dx_up, du, w.up, c.up);
  add_inplace(dx, dx_up);
}

}  // namespace rlvr::dist
