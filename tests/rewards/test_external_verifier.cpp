// External verifiers, for real: the shipped Python examples (persistent and one-shot) and a
// misbehaving script that crashes, segfaults, hangs and answers garbage; each costs one sample,
// never the pool.
#include <gtest/gtest.h>

#include <functional>

#include "rewards/registry.h"

namespace rlvr::rewards {
namespace {

const std::string kScripts = std::string(RLVR_SOURCE_DIR) + "/tests/rewards/scripts/";

std::unique_ptr<Verifier> misbehaving(double timeout_s, int workers = 1) {
  return verifier_registry().create(
      "external", {{"command", {"python3", kScripts + "misbehaving_verifier.py"}}, {"timeout_s", timeout_s}, {"workers", workers}});
}

Sample sample(const std::string& completion) { return {"p", completion, nlohmann::json::object()}; }

std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(ExternalVerifier, ExampleLengthVerifierRoundTrip) {
  auto v = verifier_registry().create(
      "external", {{"command", "python3 " + std::string(RLVR_SOURCE_DIR) + "/rewards/examples/length_verifier.py 10"}});
  Verdict exact = v->verify(sample("0123456789"));
  EXPECT_DOUBLE_EQ(exact.reward, 1.0);
  EXPECT_EQ(exact.status, "correct");
  EXPECT_EQ(exact.detail, "length 10 vs target 10");
  Verdict half = v->verify({"p", "01234", {{"target_length", 10}}});
  EXPECT_DOUBLE_EQ(half.reward, 0.5);
  EXPECT_EQ(half.status, "wrong");
  // Invalid UTF-8 and NUL bytes travel (replaced) instead of throwing.
  Verdict odd = v->verify(sample(std::string("\xff\xfe\0abc", 6)));
  EXPECT_EQ(odd.status, "wrong") << odd.detail;
}

// The time limit is far above a python3 start-up on a loaded machine (CI's 2 cores run tests in
// parallel): only "hang" may reach it.
constexpr double kLimitS = 5.0;

TEST(ExternalVerifier, CrashHangAndGarbageCostOneSampleEach) {
  auto v = misbehaving(kLimitS);
  struct Case { std::string completion, status, detail_part; };
  const std::vector<Case> cases = {
      {"ok", "correct", "pid"},
      {"crash", "error", "worker exited with code 3; stderr: about to crash"},
      {"ok", "correct", "pid"},  // restarted
      {"segv", "error", "killed by signal 11"},
      {"hang", "timeout", "timed out; worker restarted; stderr: hanging"},
      {"garbage", "error", "without a numeric \"reward\": this is not json"},
      {"warn", "correct", "stderr: a warning"},
      {"ok", "correct", "pid"},
  };
  for (const Case& c : cases) {
    Verdict got = v->verify(sample(c.completion));
    EXPECT_EQ(got.status, c.status) << c.completion << ": " << got.detail;
    EXPECT_NE(got.detail.find(c.detail_part), std::string::npos) << c.completion << ": " << got.detail;
  }
}

TEST(ExternalVerifier, CrashRestartsTheWorker) {
  auto v = misbehaving(kLimitS);
  std::string before = v->verify(sample("ok")).detail;
  EXPECT_EQ(v->verify(sample("crash")).status, "error");
  std::string after = v->verify(sample("ok")).detail;
  EXPECT_NE(before, after) << "a new process (pid) after the crash";
  EXPECT_EQ(v->verify(sample("ok")).detail, after) << "kept alive between samples";
}

TEST(ExternalVerifier, OneShotRunsAFreshProcessPerSample) {
  auto v = verifier_registry().create(
      "external", {{"command", {"python3", kScripts + "misbehaving_verifier.py"}}, {"mode", "oneshot"}, {"timeout_s", kLimitS}});
  struct Case { std::string completion, status, detail_part; };
  const std::vector<Case> cases = {
      {"ok", "correct", "pid"},
      {"crash", "error", "worker exited with code 3; stderr: about to crash"},
      {"hang", "timeout", "timed out; process killed; stderr: hanging"},
      {"garbage", "error", "without a numeric \"reward\""},
      {"ok", "correct", "pid"},
  };
  for (const Case& c : cases) {
    Verdict got = v->verify(sample(c.completion));
    EXPECT_EQ(got.status, c.status) << c.completion << ": " << got.detail;
    EXPECT_NE(got.detail.find(c.detail_part), std::string::npos) << c.completion << ": " << got.detail;
  }
  EXPECT_NE(v->verify(sample("ok")).detail, v->verify(sample("ok")).detail) << "a new process (pid) per sample";
}

TEST(ExternalVerifier, OneShotExampleReadsStdinToItsEnd) {
  auto v = verifier_registry().create(
      "external", {{"command", {"python3", std::string(RLVR_SOURCE_DIR) + "/rewards/examples/keyword_verifier_oneshot.py"}},
                   {"mode", "oneshot"}});
  struct Case { std::string completion; nlohmann::json row; double reward; std::string status, detail; };
  const std::vector<Case> cases = {
      {"The capital is Paris.", {{"keyword", "paris"}}, 1.0, "correct", "keyword 'paris' found"},
      {"The capital is Lyon.", {{"keyword", "paris"}}, 0.0, "wrong", "keyword 'paris' missing"},
      {"anything", nlohmann::json::object(), 0.0, "error", "no keyword; stderr: the row has no 'keyword'"},
  };
  for (const Case& c : cases) {
    Verdict got = v->verify({"p", c.completion, c.row});
    EXPECT_EQ(got.reward, c.reward) << c.completion;
    EXPECT_EQ(got.status, c.status) << c.completion;
    EXPECT_EQ(got.detail, c.detail) << c.completion;
  }
  EXPECT_NE(error_message([] { verifier_registry().create("external", {{"command", "true"}, {"mode", "forking"}}); })
                .find("option 'mode' of external must be"),
            std::string::npos);
}

TEST(ExternalVerifier, MissingProgramIsAnErrorVerdict) {
  auto v = verifier_registry().create("external", {{"command", "/nonexistent/verifier"}});
  Verdict got = v->verify(sample("x"));
  EXPECT_EQ(got.status, "error");
  EXPECT_NE(got.detail.find("cannot start external verifier"), std::string::npos) << got.detail;
}

}  // namespace
}  // namespace rlvr::rewards
