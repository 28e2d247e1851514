// Which OpenBLAS kernels this process got, and a hint when they are far below what the CPU can do.
#include <cblas.h>

#include <string>

#include "kernels/gemm.h"

namespace rlvr {

std::string blas_kernel_hint() {
  const char* core = openblas_get_corename();
  const std::string name = core ? core : "unknown";
  // OpenBLAS falls back to these when it does not recognize the CPU (a newer model than the
  // library, or a VM that hides it): SSE-era kernels, about 4x slower GEMMs on an AVX-512 CPU
  // (measured: 44 vs 189 GFLOP/s on a 2-core Xeon, BENCHMARKS.md).
  const bool generic = name == "Prescott" || name == "Core2" || name == "Katmai" || name == "Nehalem" ||
                       name == "Atom" || name == "Penryn" || name == "Dunnington" || name == "unknown";
  if (!generic) return "";
  struct Suggestion { const char* coretype; const char* isa; };
  const Suggestion fix = __builtin_cpu_supports("avx512f") ? Suggestion{"SkylakeX", "AVX-512"}
                         : __builtin_cpu_supports("avx2") ? Suggestion{"Haswell", "AVX2"}
                                                          : Suggestion{nullptr, nullptr};
  if (!fix.coretype) return "";
  return "OpenBLAS chose its " + name + " kernels for this CPU, which supports " + fix.isa +
         ": GEMMs run several times slower than they can. Set OPENBLAS_CORETYPE=" + fix.coretype +
         " in the environment to use the faster ones.";
}

}  // namespace rlvr
