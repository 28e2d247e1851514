// The rlvr binary: version, help, and clean errors for unknown commands.
#include <gtest/gtest.h>

#include "cli_runner.h"

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
