// The reward service: weighted combination, every verdict kept, and a throwing or hanging
// verifier costs only its own sample (error / timeout), counted in the metrics.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "rewards/reward_service.h"

namespace rlvr::rewards {
namespace {

// Reads what to do from the completion: "throw", "hang" (for a while), or a reward value.
class ScriptedVerifier : public Verifier {
 public:
  Verdict verify(const Sample& s) const override {
    if (s.completion == "throw") throw std::runtime_error("scripted failure");
    if (s.completion == "hang") std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    if (s.completion == "hang") return {1.0, status::kCorrect, "finished late"};
    return {std::stod(s.completion), status::kCorrect, "scripted"};
  }
};

TEST(RewardService, CombinesWeightedVerdicts) {
  RewardService service({{"format", 0.5, verifier_registry().create("format", {{"require_boxed", false}})},
                         {"boxed_math", 1.0, verifier_registry().create("boxed_math", {})}},
                        {2, 10.0});
  std::vector<Sample> batch = {
      {"", "<think>ok</think> \\boxed{4}", {{"answer", "4"}}},
      {"", "\\boxed{4}", {{"answer", "4"}}},
      {"", "<think>ok</think> \\boxed{5}", {{"answer", "4"}}},
      {"", "<think>ok</think> nothing", {{"answer", "4"}}},
      {"", "\\boxed{4}", nlohmann::json::object()},  // no answer field: boxed_math throws
  };
  auto scored = service.score(batch);
  const std::vector<double> expected = {1.5, 1.0, 0.5, 0.5, 0.0};
  const std::vector<std::string> math_status = {"correct", "correct", "wrong", "no_answer", "error"};
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_DOUBLE_EQ(scored[i].reward, expected[i]) << i;
    ASSERT_EQ(scored[i].verdicts.size(), 2u);
    EXPECT_EQ(scored[i].verdicts[1].status, math_status[i]) << i << ": " << scored[i].verdicts[1].detail;
  }
  EXPECT_NE(scored[4].verdicts[1].detail.find("no field 'answer'"), std::string::npos) << scored[4].verdicts[1].detail;
  const auto counts = service.metrics().status_counts;
  EXPECT_EQ(counts.at("boxed_math").at("correct"), 2);
  EXPECT_EQ(counts.at("format").at("correct"), 3);
  EXPECT_EQ(service.metrics().samples, 5);
}

TEST(RewardService, ThrowAndHangAffectOnlyTheirSample) {
  RewardService service({{"scripted", 1.0, std::make_shared<ScriptedVerifier>()}}, {2, 0.3});
  std::vector<Sample> batch;
  for (std::string c : {"0.5", "throw", "hang", "1", "hang", "0.25", "0.75"}) batch.push_back({"", c, {}});
  auto start = std::chrono::steady_clock::now();
  auto scored = service.score(batch);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 1.4) << "the batch must not wait for the hung calls";
  const std::vector<std::string> statuses = {"correct", "error", "timeout", "correct", "timeout", "correct", "correct"};
  const std::vector<double> rewards = {0.5, 0, 0, 1, 0, 0.25, 0.75};
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(scored[i].verdicts[0].status, statuses[i]) << i << ": " << scored[i].verdicts[0].detail;
    EXPECT_DOUBLE_EQ(scored[i].reward, rewards[i]) << i;
  }
  EXPECT_NE(scored[1].verdicts[0].detail.find("scripted failure"), std::string::npos);
  EXPECT_EQ(service.metrics().abandoned_calls, 2);
  EXPECT_EQ(service.metrics().status_counts.at("scripted").at("timeout"), 2);
  EXPECT_EQ(service.metrics().status_counts.at("scripted").at("error"), 1);
}

// Each call waits until `group` calls are in flight at once (or gives up after 5 s): all of them
// answer "correct" only when the service really runs that many calls in parallel.
class RendezvousVerifier : public Verifier {
 public:
  explicit RendezvousVerifier(int group) : group_(group) {}
  Verdict verify(const Sample&) const override {
    std::unique_lock lock(mutex_);
    int round = arrived_ / group_;
    ++arrived_;
    met_.notify_all();
    bool met = met_.wait_for(lock, std::chrono::seconds(5), [&] { return arrived_ >= (round + 1) * group_; });
    return {met ? 1.0 : 0.0, met ? status::kCorrect : status::kWrong, met ? "met" : "alone"};
  }

 private:
  int group_;
  mutable int arrived_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable met_;
};

TEST(RewardService, RunsCallsInParallel) {
  for (int threads : {2, 4}) {
    RewardService service({{"rendezvous", 1.0, std::make_shared<RendezvousVerifier>(threads)}}, {threads, 30.0});
    std::vector<Sample> batch(static_cast<size_t>(threads) * 3, Sample{"", "x", {}});
    for (const ScoredSample& s : service.score(batch))
      EXPECT_EQ(s.verdicts[0].detail, "met") << threads << " threads";
  }
}

// Counts its calls, so a test can see verdicts computed before finish().
class CountingVerifier : public Verifier {
 public:
  Verdict verify(const Sample& s) const override {
    ++calls;
    return {std::stod(s.completion), status::kCorrect, "counted"};
  }
  mutable std::atomic<int> calls{0};
};

// A session scores samples as they are submitted, in any order and from several threads, and
// returns the verdicts by index; a sample submitted twice or never is an error.
TEST(RewardService, SessionScoresSamplesAsTheyArrive) {
  auto counting = std::make_shared<CountingVerifier>();
  RewardService service({{"counting", 2.0, counting}}, {2, 10.0});
  ScoringSession session = service.start(6);
  std::thread other([&] {
    for (size_t i : {5, 3, 1}) session.submit(i, {"", std::to_string(0.1 * double(i)), {}});
  });
  for (size_t i : {0, 2, 4}) session.submit(i, {"", std::to_string(0.1 * double(i)), {}});
  other.join();
  for (int waited = 0; counting->calls < 6 && waited < 5000; ++waited)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(counting->calls, 6) << "every verdict before finish()";
  const std::string twice = [&] {
    try {
      session.submit(2, {"", "1", {}});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  }();
  EXPECT_NE(twice.find("submitted twice"), std::string::npos) << twice;
  const auto scored = session.finish();
  ASSERT_EQ(scored.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_NEAR(scored[i].reward, 0.2 * double(i), 1e-9) << i;
  EXPECT_EQ(service.metrics().samples, 6);

  ScoringSession partial = service.start(2);
  partial.submit(0, {"", "1", {}});
  EXPECT_THROW(partial.finish(), Error);
}

TEST(RewardService, ExternalVerifierInThePool) {
  std::vector<VerifierSpec> specs = {spec_from_json(
      {{"name", "external"},
       {"weight", 2.0},
       {"options", {{"command", {"python3", std::string(RLVR_SOURCE_DIR) + "/rewards/examples/length_verifier.py", "4"}},
                    {"workers", 3}}}})};
  RewardService service(specs, {4, 10.0});
  std::vector<Sample> batch;
  for (int i = 0; i < 12; ++i) batch.push_back({"", std::string(i % 2 ? 4 : 2, 'x'), {}});
  auto scored = service.score(batch);
  for (int i = 0; i < 12; ++i) EXPECT_DOUBLE_EQ(scored[i].reward, i % 2 ? 2.0 : 1.0) << i << ": " << scored[i].verdicts[0].detail;
}

}  // namespace
}  // namespace rlvr::rewards
