// `rlvr version`: the version and which backends this binary has.
#include <cstdio>

#include "cli/commands.h"
#include "kernels/gemm.h"
#include "kernels/tensor.h"

namespace rlvr::cli {

int cmd_version(const std::vector<std::string>&) {
#ifdef RLVR_HAVE_CUDA
  const char* cuda = rlvr::cuda_available() ? "cuda (device present)" : "cuda (no device)";
#else
  const char* cuda = "no cuda";
#endif
  std::printf("rlvr %s (cpu, %s)\nOpenBLAS kernels: %s\n", RLVR_VERSION, cuda, rlvr::blas_core_name().c_str());
  return 0;
}

}  // namespace rlvr::cli
