// cuBLASLt GEMMs: one handle and workspace for the process, and per GEMM shape a cached matmul
// descriptor, the three matrix layouts and the heuristic's first algorithm. Row-major Y = op(A)·op(B)
// is computed as the column-major Y^T = op(B)^T·op(A)^T, so cuBLASLt's "A" is our b.
#include "kernels/cuda/cublaslt.h"

#include <cublasLt.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <tuple>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/ops_cuda.h"
#include "kernels/cuda_limits.h"
#include "kernels/quantize.h"

namespace rlvr::cuda {
namespace {

constexpr size_t kWorkspaceBytes = size_t(32) << 20;

enum class GemmKind : int { F32, BF16, FP8 };

// Everything the descriptor, layouts and algorithm depend on (pointers are set per call).
struct GemmKey {
  GemmKind kind;
  int64_t m, n, k;  // cuBLASLt's column-major m x n x k
  bool trans_a, trans_b;  // cuBLASLt's A and B (our b and a)
  int out_type;           // cudaDataType of C and D
  int scale_a, scale_b;   // cublasLtMatmulMatrixScale_t for FP8, -1 otherwise
  bool accumulate;
  // Guaranteed alignment (bytes, power of 2, at most 256) of the A, B and D pointers. NOTE: the
  // heuristic assumes 256 unless told, and a slice_rows view can start anywhere; an algorithm
  // picked for 256 would then fail (or be refused) at matmul time.
  int align_a = 256, align_b = 256, align_d = 256;
  auto tie() const {
    return std::tie(kind, m, n, k, trans_a, trans_b, out_type, scale_a, scale_b, accumulate, align_a, align_b, align_d);
  }
  bool operator<(const GemmKey& o) const { return tie() < o.tie(); }
};

std::string describe_key(const GemmKey& key) {
  const char* kind = key.kind == GemmKind::F32 ? "f32" : key.kind == GemmKind::BF16 ? "bf16" : "fp8 e4m3";
  return cat(kind, " GEMM, cuBLASLt m=", key.m, " n=", key.n, " k=", key.k, " trans=", key.trans_a ? "T" : "N",
             key.trans_b ? "T" : "N", key.kind == GemmKind::FP8 ? cat(" scale modes ", key.scale_a, "/", key.scale_b) : "",
             " alignment A/B/D ", key.align_a, "/", key.align_b, "/", key.align_d, " bytes");
}

struct CachedGemm {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulAlgo_t algo{};
};

class Lt {
 public:
  static Lt& instance() {
    // NOTE: never destroyed: the CUDA runtime may already be torn down at static destruction.
    static Lt* lt = new Lt();
    return *lt;
  }

  std::mutex mutex;
  cublasLtHandle_t handle = nullptr;
  void* workspace = nullptr;
  std::map<GemmKey, CachedGemm> cache;

  // The cached entry for key, created (descriptor, layouts, heuristic) on first use.
  CachedGemm& entry(const GemmKey& key, cudaDataType_t in_a, cudaDataType_t in_b) {
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    CachedGemm g;
    const cudaDataType_t out = cudaDataType_t(key.out_type);
    RLVR_CUBLAS_CHECK(cublasLtMatmulDescCreate(&g.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t ta = key.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, tb = key.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    RLVR_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)));
    RLVR_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)));
    if (key.kind == GemmKind::FP8) {
      const int32_t sa = key.scale_a, sb = key.scale_b;
      RLVR_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &sa, sizeof(sa)));
      RLVR_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &sb, sizeof(sb)));
    }
    // Stored (pre-op) shapes, column-major: A is k x m when transposed, m x k otherwise.
    const uint64_t a_rows = uint64_t(key.trans_a ? key.k : key.m), a_cols = uint64_t(key.trans_a ? key.m : key.k);
    const uint64_t b_rows = uint64_t(key.trans_b ? key.n : key.k), b_cols = uint64_t(key.trans_b ? key.k : key.n);
    RLVR_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&g.a, in_a, a_rows, a_cols, int64_t(a_rows)));
    RLVR_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&g.b, in_b, b_rows, b_cols, int64_t(b_rows)));
    RLVR_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&g.d, out, uint64_t(key.m), uint64_t(key.n), key.m));
    cublasLtMatmulPreference_t pref = nullptr;
    RLVR_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    const size_t ws = kWorkspaceBytes;
    RLVR_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
    const uint32_t align_a = uint32_t(key.align_a), align_b = uint32_t(key.align_b), align_d = uint32_t(key.align_d);
    RLVR_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &align_a,
                                                           sizeof(align_a)));
    RLVR_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &align_b,
                                                           sizeof(align_b)));
    RLVR_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &align_d,
                                                           sizeof(align_d)));
    RLVR_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &align_d,
                                                           sizeof(align_d)));
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    const cublasStatus_t st =
        cublasLtMatmulAlgoGetHeuristic(handle, g.desc, g.a, g.b, g.d, g.d, pref, 1, &result, &found);
    RLVR_CUBLAS_CHECK(cublasLtMatmulPreferenceDestroy(pref));
    if (st != CUBLAS_STATUS_SUCCESS || found == 0) {
      // NOTE: unchecked: already on the way to an error about the heuristic.
      cublasLtMatrixLayoutDestroy(g.a);
      cublasLtMatrixLayoutDestroy(g.b);
      cublasLtMatrixLayoutDestroy(g.d);
      cublasLtMatmulDescDestroy(g.desc);
      RLVR_FAIL("cublasLt", "no algorithm for this GEMM", describe_key(key), " (heuristic status ", int(st), ", ",
                found, " algorithms)");
    }
    g.algo = result.algo;
    return cache.emplace(key, g).first->second;
  }

 private:
  Lt() {
    RLVR_CUBLAS_CHECK(cublasLtCreate(&handle));
    RLVR_CUDA_CHECK(cudaMalloc(&workspace, kWorkspaceBytes));
  }
};

void run(Lt& lt, const GemmKey& key, CachedGemm& g, const void* a, const void* b, void* d) {
  const float alpha = 1.0f, beta = key.accumulate ? 1.0f : 0.0f;
  const cublasStatus_t st = cublasLtMatmul(lt.handle, g.desc, &alpha, a, g.a, b, g.b, &beta, d, g.d, d, g.d, &g.algo,
                                           lt.workspace, kWorkspaceBytes, /*stream=*/0);
  RLVR_CHECK(st == CUBLAS_STATUS_SUCCESS, "cublasLt", "cublasLtMatmul failed with status ", int(st), " for ",
             describe_key(key));
}

bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

// The largest power of two (at most 256) dividing the address.
int alignment_of(const void* p) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  int align = 256;
  while (align > 1 && a % uintptr_t(align) != 0) align /= 2;
  return align;
}

int scale_mode(QuantLayout l) {
  return l == QuantLayout::Block128x128 ? int(CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F)
                                        : int(CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F);
}

// The constraints cuBLASLt puts on one block-scaled operand (gpu_ceilings.md 4b, 4c); the public
// gemm_fp8 has checked its dtypes and shapes.
void check_fp8_operand(const QuantizedTensor& q, const char* name) {
  const char* op = "gemm_fp8";
  if (q.layout != QuantLayout::Block128x128)
    RLVR_CHECK(q.stored_rows() % 4 == 0, "kernels", op, ": ", name, " (", quant_layout_name(q.layout),
               " tiles) has ", q.stored_rows(),
               " stored rows; cuBLASLt's VEC128 scales need a multiple of 4 (pad the tokens per expert to 4)");
  RLVR_CHECK(aligned16(q.data.raw()) && aligned16(q.scales.raw()), "kernels", op, ": ", name,
             " data or scales are not 16-byte aligned (cuBLASLt rejects such scale pointers at run time)");
}

}  // namespace

void gemm(Tensor& y, const Tensor& a, bool trans_a, const Tensor& b, bool trans_b, bool accumulate) {
  const int64_t M = trans_a ? a.dim(1) : a.dim(0), K = trans_a ? a.dim(0) : a.dim(1);
  const int64_t N = trans_b ? b.dim(0) : b.dim(1);
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate) y.zero_();
    return;
  }
  const bool bf = a.dtype() == DType::BF16;
  const GemmKey key{bf ? GemmKind::BF16 : GemmKind::F32,
                    N, M, K, trans_b, trans_a, int(CUDA_R_32F), -1, -1, accumulate,
                    alignment_of(b.raw()), alignment_of(a.raw()), alignment_of(y.raw())};
  const cudaDataType_t in = bf ? CUDA_R_16BF : CUDA_R_32F;
  Lt& lt = Lt::instance();
  std::lock_guard<std::mutex> lock(lt.mutex);
  CachedGemm& g = lt.entry(key, in, in);
  run(lt, key, g, b.raw(), a.raw(), y.raw());
}

void gemm_fp8(Tensor& y, const QuantizedTensor& a, const QuantizedTensor& b, bool accumulate) {
  check_fp8_operand(a, "a");
  check_fp8_operand(b, "b");
  const int64_t M = a.stored_rows(), N = b.stored_rows(), K = a.stored_k();
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate) y.zero_();
    return;
  }
  RLVR_CHECK(K % cuda_limits::kFp8WidthMultiple == 0, "kernels", "gemm_fp8: K = ", K, " is not a multiple of ",
             cuda_limits::kFp8WidthMultiple, " (cuBLASLt's FP8 rule)");
  RLVR_CHECK(aligned16(y.raw()), "kernels", "gemm_fp8: y is not 16-byte aligned");
  if (accumulate) {
    // NOTE: cuBLASLt's documentation does not say that beta != 0 (reading C) is supported with
    // the block-scaled VEC128_32F / BLK128x128_32F modes, and nobody has seen it on a GPU: the
    // product goes to an F32 scratch and is added, y + A.B rounded once to y's dtype, as the CPU.
    Tensor product = Tensor::empty({M, N}, DType::F32, Device::CUDA);
    gemm_fp8(product, a, b, /*accumulate=*/false);
    if (y.dtype() == DType::F32) {
      add_inplace(y, product);
    } else {
      Tensor sum = y.to(DType::F32);
      add_inplace(sum, product);
      y.copy_(sum.to(y.dtype()));
    }
    return;
  }
  const cudaDataType_t out = y.dtype() == DType::BF16 ? CUDA_R_16BF : CUDA_R_32F;
  // TN: cuBLASLt's A = b (N x K, transposed), B = a (M x K), D = Y^T column-major = Y row-major.
  const GemmKey key{GemmKind::FP8, N, M, K, true, false, int(out), scale_mode(b.layout), scale_mode(a.layout),
                    accumulate, alignment_of(b.data.raw()), alignment_of(a.data.raw()), alignment_of(y.raw())};
  Lt& lt = Lt::instance();
  std::lock_guard<std::mutex> lock(lt.mutex);
  CachedGemm& g = lt.entry(key, CUDA_R_8F_E4M3, CUDA_R_8F_E4M3);
  const void* sa = b.scales.raw();
  const void* sb = a.scales.raw();
  RLVR_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &sa, sizeof(sa)));
  RLVR_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(g.desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &sb, sizeof(sb)));
  run(lt, key, g, b.data.raw(), a.data.raw(), y.raw());
}

std::string cublaslt_describe() {
  Lt& lt = Lt::instance();
  std::lock_guard<std::mutex> lock(lt.mutex);
  return cat("cuBLASLt ", cublasLtGetVersion(), ": ", lt.cache.size(), " GEMM shapes cached, workspace ",
             kWorkspaceBytes >> 20, " MiB");
}

}  // namespace rlvr::cuda
