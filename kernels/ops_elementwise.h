// Elementwise ops of the residual stream.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/tensor.h"

namespace rlvr {

// a += b; a, b F32 of the same shape.
void add_inplace(Tensor& a, const Tensor& b);
// a *= s; a F32.
void scale_inplace(Tensor& a, float s);
// sum of a[i]^2 in double, a F32 (the gradient norm). The CPU adds in index order; CUDA adds
// per-block partial sums in block order, so each device's result is deterministic.
double sum_squares(const Tensor& a);
// The sum over several F32 tensors on one device (every gradient of a model): on the CPU the
// tensors' sums added in list order; on CUDA one reduction and one copy to the host for the
// whole list. 0 for an empty list.
double sum_squares(const std::vector<const Tensor*>& tensors);
// dst[r, dst_col + j] = src[r, src_col + j] (or += with accumulate) for every row r and
// j < n_cols: a block of columns of one row-major matrix into another with the same row count.
// dst [R, Wd], src [R, Ws], F32, distinct storage. One block per head of a [T, H*D] tensor:
// reshape both to [T*H, D].
void copy_columns(Tensor& dst, int64_t dst_col, const Tensor& src, int64_t src_col, int64_t n_cols,
                  bool accumulate = false);

}  // namespace rlvr
