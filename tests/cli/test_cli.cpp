// The rlvr binary: version, help, and clean errors for unknown commands.
#include <gtest/gtest.h>

#include "cli_runner.h"
#include "kernels/gemm.h"

#include <array>
#include <cstdio>
#include <string>

namespace {

using cli_test::Result;
using cli_test::run_rlvr;

}  // namespace

TEST(Cli, Version) {
  Result r = run_rlvr("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("rlvr 0."), std::string::npos) << r.out;
}

// rlvr starts with OpenBLAS kernels that match the CPU without OPENBLAS_CORETYPE set: on a CPU
// OpenBLAS does not recognize it runs itself again with the core type (kernels/gemm.h).
TEST(Cli, VersionNamesFastBlasKernels) {
  Result r = cli_test::run_shell(std::string("env -u OPENBLAS_CORETYPE -u RLVR_BLAS_REEXEC ") + RLVR_BINARY + " version 2>&1");
  ASSERT_EQ(r.code, 0) << r.out;
  const size_t at = r.out.find("OpenBLAS kernels: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string core = r.out.substr(at + 18, r.out.find('\n', at) - at - 18);
  EXPECT_EQ(rlvr::blas_coretype_for(core, __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"),
                                    __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")),
            "")
      << "rlvr still runs OpenBLAS's generic " << core << " kernels";
}

TEST(Cli, HelpListsCommands) {
  Result r = run_rlvr("help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("version"), std::string::npos) << r.out;
}

TEST(Cli, UnknownCommandFails) {
  Result r = run_rlvr("frobnicate");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("unknown command 'frobnicate'"), std::string::npos) << r.out;
}
