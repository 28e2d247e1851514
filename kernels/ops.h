// The op set besides GEMM and quantization: include this to get every op family.
#pragma once

#include "kernels/ops_adamw.h"
#include "kernels/ops_attention.h"
#include "kernels/ops_elementwise.h"
#include "kernels/ops_embedding.h"
#include "kernels/ops_moe.h"
#include "kernels/ops_norm.h"
#include "kernels/ops_rope.h"
#include "kernels/ops_sampling.h"
#include "kernels/ops_softmax.h"
#include "kernels/ops_swiglu.h"
