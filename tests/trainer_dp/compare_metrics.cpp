// dp_compare_metrics: checks that a data-parallel run logged the same per-step numbers as a
// one-process run with the same global batch and seed. Used by the trainer_dp_* ctest entries
// (tests/CMakeLists.txt), which also state the tolerances and why.
//
//   dp_compare_metrics REF_RUN RUN --rel R --abs A [--rel-after R2 --abs-after A2 --tight-steps K]
//
// Every (phase, step) line of RUN must be in REF_RUN. loss, grad_norm and entropy must agree
// within R relative (|a-b| <= R * max(|a|, 0.01)); reward_mean, accuracy and eval_accuracy
// within A absolute. Steps after the first K RL steps may use the looser R2/A2.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using Lines = std::map<std::pair<std::string, int64_t>, nlohmann::json>;

Lines read_metrics(const std::string& run_dir) {
  const std::string path = run_dir + "/metrics.jsonl";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  Lines out;
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    out[{j.at("phase").get<std::string>(), j.at("step").get<int64_t>()}] = j;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: dp_compare_metrics REF_RUN RUN --rel R --abs A [--rel-after R2 --abs-after A2 "
                 "--tight-steps K]\n";
    return 2;
  }
  double rel = 1e-5, abs_tol = 0, rel_after = -1, abs_after = -1;
  int64_t tight_steps = 1 << 30;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const double v = std::stod(argv[i + 1]);
    if (k == "--rel") rel = v;
    else if (k == "--abs") abs_tol = v;
    else if (k == "--rel-after") rel_after = v;
    else if (k == "--abs-after") abs_after = v;
    else if (k == "--tight-steps") tight_steps = int64_t(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  try {
    const Lines ref = read_metrics(argv[1]), run = read_metrics(argv[2]);
    int failures = 0, compared = 0;
    std::map<std::string, double> worst;
    for (const auto& [key, j] : run) {
      const auto it = ref.find(key);
      if (it == ref.end()) {
        std::cerr << "FAIL " << key.first << " step " << key.second << ": not in the reference run\n";
        ++failures;
        continue;
      }
      const bool tight = key.first == "sft" || key.second <= tight_steps;
      const double r = tight || rel_after < 0 ? rel : rel_after;
      const double a = tight || abs_after < 0 ? abs_tol : abs_after;
      auto check = [&](const char* field, bool relative) {
        if (!j.contains(field) || !it->second.contains(field)) return;
        const double x = it->second[field].get<double>(), y = j[field].get<double>();
        const double d = std::abs(x - y), bound = relative ? r * std::max(std::abs(x), 0.01) : a;
        const double score = relative ? d / std::max(std::abs(x), 0.01) : d;
        worst[field] = std::max(worst[field], score);
        ++compared;
        if (!(d <= bound)) {
          std::printf("FAIL %s step %lld %s: reference %.9g, run %.9g (|diff| %.3g > %.3g)\n", key.first.c_str(),
                      (long long)key.second, field, x, y, d, bound);
          ++failures;
        }
      };
      for (const char* f : {"loss", "grad_norm", "entropy"}) check(f, true);
      for (const char* f : {"reward_mean", "accuracy", "eval_accuracy"}) check(f, false);
    }
    std::printf("compared %d values over %zu lines; largest differences (relative for loss, grad_norm, entropy):",
                compared, run.size());
    for (const auto& [f, w] : worst) std::printf(" %s %.3g", f.c_str(), w);
    std::printf("\n");
    if (run.empty()) {
      std::printf("FAIL: no metrics in %s\n", argv[2]);
      return 1;
    }
    return failures == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "dp_compare_metrics: " << e.what() << "\n";
    return 1;
  }
}
