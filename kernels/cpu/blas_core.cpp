// Which OpenBLAS kernels this process runs, and getting the fast ones without a variable to set.
#include <cblas.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "kernels/gemm.h"

namespace rlvr {
namespace {

// The cores OpenBLAS falls back to when it does not recognize the CPU (a newer model than the
// library, or a VM that hides it): SSE-era kernels.
bool generic_core(const std::string& name) {
  return name == "Prescott" || name == "Core2" || name == "Katmai" || name == "Nehalem" || name == "Atom" ||
         name == "Penryn" || name == "Dunnington" || name == "unknown";
}

bool cpu_has_avx512() { return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"); }
bool cpu_has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

constexpr const char* kReexecGuard = "RLVR_BLAS_REEXEC";

}  // namespace

std::string blas_coretype_for(const std::string& chosen, bool avx512, bool avx2) {
  if (!generic_core(chosen)) return "";
  // Measured on a 2-core Xeon that OpenBLAS 0.3.21 did not recognize: FP32 GEMM 44 GFLOP/s
  // with its Prescott kernels, 189 with SkylakeX's (BENCHMARKS.md, 2026-12-01).
  if (avx512) return "SkylakeX";
  if (avx2) return "Haswell";
  return "";
}

std::string blas_core_name() {
  const char* core = openblas_get_corename();
  return core ? core : "unknown";
}

void select_blas_kernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") || std::getenv(kReexecGuard)) return;  // the user's choice, or done
  const std::string fix = blas_coretype_for(blas_core_name(), cpu_has_avx512(), cpu_has_avx2());
  if (fix.empty()) return;
  // OpenBLAS reads OPENBLAS_CORETYPE only while it loads, before main: start this program again
  // with it set (same pid, arguments and environment otherwise).
  setenv("OPENBLAS_CORETYPE", fix.c_str(), 1);
  setenv(kReexecGuard, "1", 1);
  std::fflush(nullptr);
  execv("/proc/self/exe", argv);
  unsetenv("OPENBLAS_CORETYPE");  // exec failed: carry on with the generic kernels (the hint says so)
}

std::string blas_kernel_hint() {
  const std::string name = blas_core_name();
  const std::string fix = blas_coretype_for(name, cpu_has_avx512(), cpu_has_avx2());
  if (fix.empty()) return "";
  return "OpenBLAS runs its " + name + " kernels on this CPU, which supports " +
         (fix == "SkylakeX" ? "AVX-512" : "AVX2") + ": GEMMs run several times slower than they can. Unset " +
         "OPENBLAS_CORETYPE (rlvr then picks " + fix + ") or set OPENBLAS_CORETYPE=" + fix + ".";
}

}  // namespace rlvr
