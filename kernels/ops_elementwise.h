// Elementwise ops of the residual stream.
#pragma once

#include <cstdint>

#include "kernels/tensor.h"

namespace rlvr {

// a += b; a, b F32 of the same shape.
void add_inplace(Tensor& a, const Tensor& b);
// a *= s; a F32.
void scale_inplace(Tensor& a, float s);
// sum of a[i]^2 in double, a F32 (the gradient norm). The CPU adds in index order; CUDA adds
// per-block partial sums in block order, so each device's result is deterministic.
double sum_squares(const Tensor& a);
// dst[r, dst_col + j] = src[r, src_col + j] (or += with accumulate) for every row r and
// j < n_cols: a block of columns of one row-major matrix into another with the same row count.
// dst [R, Wd], src [R, Ws], F32, distinct storage. One block per head of a [T, H*D] tensor:
// reshape both to [T*H, D].
void copy_columns(Tensor& dst, int64_t dst_col, const Tensor& src, int64_t src_col, int64_t n_cols,
                  bool accumulate = false);

}  // namespace rlvr
