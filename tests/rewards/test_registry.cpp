// The verifier registry: built-ins listed sorted, double registration, swapping a factory,
// unknown names and unknown option keys named in the error, and every bad option of a built-in
// reported as an OptionError that names the option (a run config points at it).
#include <gtest/gtest.h>

#include "common/error.h"
#include "rewards/options.h"
#include "rewards/registry.h"

namespace rlvr::rewards {
namespace {

class ConstantVerifier : public Verifier {
 public:
  explicit ConstantVerifier(double r) : r_(r) {}
  Verdict verify(const Sample&) const override { return {r_, status::kCorrect, "constant"}; }

 private:
  double r_;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Registry, BuiltinsAreListedSorted) {
  std::vector<std::string> names = verifier_registry().names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const char* n : {"boxed_math", "external", "format"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
}

TEST(Registry, DoubleRegistrationThrows) {
  Registry r;
  r.add("a", [](const nlohmann::json&) { return std::make_unique<ConstantVerifier>(1); });
  EXPECT_NE(error_of([&] { r.add("a", [](const nlohmann::json&) { return nullptr; }); }).find("registered twice"),
            std::string::npos);
}

TEST(Registry, SwapAndRestore) {
  Registry& r = verifier_registry();
  auto original = r.swap("format", [](const nlohmann::json&) { return std::make_unique<ConstantVerifier>(0.25); });
  EXPECT_EQ(r.create("format", {})->verify({}).reward, 0.25);
  r.swap("format", original);
  EXPECT_EQ(r.create("format", {})->verify({"", "<think>x</think> \\boxed{1}", {}}).reward, 1.0);
  EXPECT_NE(error_of([&] { r.swap("nope", original); }).find("unknown verifier"), std::string::npos);
}

TEST(Registry, ErrorsNameTheProblem) {
  struct Case { nlohmann::json spec; std::string expected; };
  const std::vector<Case> cases = {
      {{{"name", "boxed_maths"}}, "'boxed_maths' (known: boxed_math, code_tests, external, format"},
      {{{"name", "boxed_math"}, {"options", {{"tolerance", 1e-3}}}}, "unknown option 'tolerance' for verifier 'boxed_math'"},
      {{{"name", "boxed_math"}, {"options", {{"rel_tol", "big"}}}}, "option 'rel_tol' of verifier 'boxed_math' must be a number"},
      {{{"name", "boxed_math"}, {"options", {{"fallback", {"guess"}}}}}, "unknown strategy 'guess'"},
      {{{"name", "format"}, {"options", {{"pattern", "a("}}}}, "'pattern' of format"},
      {{{"name", "external"}}, "needs option 'command'"},
      {{{"name", "boxed_math"}, {"wieght", 2}}, "unknown verifier field"},
      {{{"weight", 2}}, "needs a 'name'"},
  };
  for (const Case& c : cases) {
    std::string msg = error_of([&] { verifier_registry().create(spec_from_json(c.spec)); });
    EXPECT_NE(msg.find(c.expected), std::string::npos) << c.spec.dump() << " gave: " << msg;
  }
}

TEST(Registry, OptionErrorsNameTheOption) {
  struct Case { std::string verifier; nlohmann::json options; std::string option; };
  const std::vector<Case> cases = {
      {"boxed_math", {{"tolerance", 1e-3}}, "tolerance"},
      {"boxed_math", {{"rel_tol", "big"}}, "rel_tol"},
      {"boxed_math", {{"rel_tol", 2}}, "rel_tol"},
      {"boxed_math", {{"fallback", {"guess"}}}, "fallback"},
      {"code_tests", {{"reward", "half"}}, "reward"},
      {"code_tests", {{"memory_mb", "lots"}}, "memory_mb"},
      {"code_tests", {{"max_open_files", 2}}, "max_open_files"},
      {"code_tests", {{"zygote", 1}}, "zygote"},
      {"external", nlohmann::json::object(), "command"},
      {"external", {{"command", "true"}, {"workers", 0}}, "workers"},
      {"external", {{"command", "true"}, {"mode", "forking"}}, "mode"},
      {"format", {{"pattern", "a("}}, "pattern"},
      {"format", {{"max_bytes", "many"}}, "max_bytes"},
      {"format", nlohmann::json::array(), ""},
  };
  for (const Case& c : cases) {
    try {
      verifier_registry().create(c.verifier, c.options);
      ADD_FAILURE() << c.verifier << " accepted " << c.options.dump();
    } catch (const OptionError& e) {
      EXPECT_EQ(e.option(), c.option) << c.verifier << " " << c.options.dump() << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(e.problem()), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace rlvr::rewards
