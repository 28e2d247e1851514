// Runs every program in tests/sandbox/hostile/ (each names the verdict it must get in its
// header) and then checks that nothing leaked: no process, no temp dir, no host file, no fd.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "sandbox/sandbox.h"
#include "sandbox_test_util.h"

namespace rlvr::sandbox {
namespace {

namespace fs = std::filesystem;

struct HostileProgram {
  std::string name, source, expect, stdout_has;
};

// Header lines: "# <what it tries>", "# expect: <status>", optionally "# stdout: <substring>".
// "@SOURCE_DIR@" in a program becomes this checkout's path, the project files it must not reach.
std::vector<HostileProgram> load_corpus() {
  std::vector<HostileProgram> corpus;
  for (const auto& entry : fs::directory_iterator(fs::path(RLVR_SOURCE_DIR) / "tests/sandbox/hostile")) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    std::string source = text.str();
    const std::string placeholder = "@SOURCE_DIR@";
    for (std::size_t at; (at = source.find(placeholder)) != std::string::npos;)
      source.replace(at, placeholder.size(), RLVR_SOURCE_DIR);
    HostileProgram p{entry.path().filename().string(), source, "", ""};
    std::istringstream lines(p.source);
    for (std::string line; std::getline(lines, line) && line.rfind("#", 0) == 0;) {
      if (line.rfind("# expect: ", 0) == 0) p.expect = line.substr(10);
      if (line.rfind("# stdout: ", 0) == 0) p.stdout_has = line.substr(10);
    }
    corpus.push_back(p);
  }
  return corpus;
}

// Both ways of starting a program: a fresh interpreter (exec) and the Python zygote (fork).
class HostileCorpus : public ::testing::TestWithParam<bool> {};

TEST_P(HostileCorpus, EveryProgramGetsItsVerdictAndNothingLeaks) {
  const std::string tmp = testing::isolate_test_process();
  const std::vector<std::string> host_paths_never_written = {"/pwned", "/usr/lib/pwned", std::string(RLVR_SOURCE_DIR) + "/pwned",
                                                             std::string(RLVR_SOURCE_DIR) + "/pwned_link_target"};
  setenv("RLVR_SANDBOX_TEST_SECRET", "hunter2", 1);  // env_secrets.py must not see it

  std::vector<HostileProgram> corpus = load_corpus();
  ASSERT_GE(corpus.size(), 40u);
  SandboxLimits limits;
  // CPU-bound programs meet the 1 s CPU limit; the wall clock is generous so that heavy ones
  // (memory_grow, stack_overflow) still reach their own verdict on a loaded machine.
  limits.wall_time_s = 5;
  limits.cpu_time_s = 1;
  limits.memory_mb = 256;
  limits.max_output_bytes = 64 << 10;
  limits.use_zygote = GetParam();
  run({"python", "pass", ""}, limits);  // starts the zygote, whose socket stays open
  const std::string project_before = testing::tree_snapshot(RLVR_SOURCE_DIR);
  const std::size_t fds_before = testing::open_fd_count();
  std::vector<RunResult> results(corpus.size());
  testing::parallel_for(corpus.size(), 4, [&](std::size_t i) {
    results[i] = run({"python", corpus[i].source, ""}, limits);
  });

  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const HostileProgram& p = corpus[i];
    const RunResult& r = results[i];
    SCOPED_TRACE(p.name + " signal " + std::to_string(r.signal) + " cpu_ms " + std::to_string(r.cpu_ms) +
                 " wall_ms " + std::to_string(r.wall_ms) + "\nstdout: " + r.stdout_text.substr(0, 300) +
                 "\nstderr: " + r.stderr_text.substr(0, 600));
    ASSERT_FALSE(p.expect.empty()) << "no '# expect:' line";
    EXPECT_EQ(to_string(r.status), p.expect);
    EXPECT_EQ(r.stdout_text.find("ESCAPED"), std::string::npos);
    EXPECT_NE(r.stdout_text.find(p.stdout_has), std::string::npos);
    EXPECT_EQ(r.isolation, GetParam() ? "namespaces (zygote)" : "namespaces");
  }
  EXPECT_TRUE(testing::no_children_left()) << "a sandboxed process outlived its run";
  EXPECT_EQ(testing::count_entries(tmp), 0u) << "a work dir was left in " << tmp;
  for (const auto& path : host_paths_never_written) EXPECT_FALSE(fs::exists(path)) << path;
  EXPECT_TRUE(testing::tree_snapshot(RLVR_SOURCE_DIR) == project_before) << "a project file changed";
  EXPECT_EQ(testing::open_fd_count(), fds_before);
  // Still healthy: a plain run works.
  RunResult after = run({"python", "print(6 * 7)", ""}, limits);
  EXPECT_EQ(after.status, Status::ok);
  EXPECT_EQ(after.stdout_text, "42\n");
}

INSTANTIATE_TEST_SUITE_P(StartedBy, HostileCorpus, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Zygote" : "Exec"; });

}  // namespace
}  // namespace rlvr::sandbox
