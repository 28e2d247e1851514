// SwiGLU gating of the MLP: out = silu(gate) * up, silu(g) = g * sigmoid(g).
#pragma once

#include "kernels/tensor.h"

namespace rlvr {

// out, gate, up [N,F].
void swiglu_forward(Tensor& out, const Tensor& gate, const Tensor& up);
// dgate, dup [N,F] (overwritten); dout, gate, up [N,F]. Recomputes silu from gate.
void swiglu_backward(Tensor& dgate, Tensor& dup, const Tensor& dout, const Tensor& gate, const Tensor& up);

}  // namespace rlvr
