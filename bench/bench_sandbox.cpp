// Sandbox throughput: runs per second for a trivial Python program and for MBPP tasks through
// the code_tests verifier, all isolation on (and, for comparison, without namespaces).
// Run: build/bench/bench_sandbox --benchmark_min_time=3   (figures go to BENCHMARKS.md)
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rewards/verifiers/code_tests.h"
#include "sandbox/python_zygote.h"
#include "sandbox/sandbox.h"

namespace {

using nlohmann::json;

// CPU seconds used so far by this process, its reaped children (programs started by exec)
// and the Python zygote with its reaped children (programs it forked): the cost of a run
// independent of what else the machine is doing.
double cpu_seconds() {
  double total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage u{};
    getrusage(who, &u);
    total += u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  }
  if (pid_t zygote = rlvr::sandbox::detail::python_zygote_pid(); zygote > 0) {
    std::ifstream stat("/proc/" + std::to_string(zygote) + "/stat");
    std::string line;
    std::getline(stat, line);
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string skip;
    for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt
    double utime = 0, stime = 0, cutime = 0, cstime = 0;
    fields >> utime >> stime >> cutime >> cstime;
    total += (utime + stime + cutime + cstime) / sysconf(_SC_CLK_TCK);
  }
  return total;
}

// Adds "cpu_ms_per_run" and "runs_per_s_2cores" (2000 / cpu_ms_per_run: the rate two idle
// cores would sustain) to a benchmark, measured by thread 0 over the whole run.
struct CpuMeter {
  benchmark::State& state;
  double start = 0;
  explicit CpuMeter(benchmark::State& s) : state(s) {
    if (state.thread_index() == 0) start = cpu_seconds();
  }
  ~CpuMeter() {
    if (state.thread_index() != 0) return;
    double runs = static_cast<double>(state.iterations()) * state.threads();
    double ms = (cpu_seconds() - start) * 1e3 / runs;
    state.counters["cpu_ms_per_run"] = ms;
    state.counters["runs_per_s_2cores"] = 2000.0 / ms;
  }
};

void BM_TrivialPython(benchmark::State& state) {
  rlvr::sandbox::SandboxLimits limits;
  limits.use_namespaces = state.range(0) != 0;
  limits.use_zygote = state.range(0) == 2;
  CpuMeter meter(state);
  for (auto _ : state) {
    auto r = rlvr::sandbox::run({"python", "print(1 + 1)", ""}, limits);
    if (r.status != rlvr::sandbox::Status::ok) state.SkipWithError("run failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 2   ? "zygote"
                 : state.range(0) == 1 ? "exec, namespaces"
                                       : "exec, no namespaces");
}
BENCHMARK(BM_TrivialPython)->Arg(2)->Arg(1)->Arg(0)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

const std::vector<json>& mbpp_rows() {
  static const std::vector<json> rows = [] {
    std::vector<json> r;
    // The repository root, from this file's path (bench/ has no RLVR_SOURCE_DIR).
    std::string root = std::filesystem::path(__FILE__).parent_path().parent_path().string();
    std::ifstream in(root + "/data/mbpp/mbpp.jsonl");
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) r.push_back(json::parse(line));
    return r;
  }();
  return rows;
}

// One iteration = one MBPP task: its reference solution against its three asserts.
void BM_MbppTask(benchmark::State& state) {
  static auto verifier = rlvr::rewards::make_code_tests_verifier(json::object());
  static auto exec_verifier = rlvr::rewards::make_code_tests_verifier({{"zygote", false}});
  const auto& chosen = state.range(0) == 2 ? verifier : exec_verifier;
  static std::atomic<std::size_t> next{0};
  const auto& rows = mbpp_rows();
  CpuMeter meter(state);
  for (auto _ : state) {
    const json& row = rows[next++ % rows.size()];
    auto v = chosen->verify({"", row.at("code").get<std::string>(), row});
    if (v.status != "correct") state.SkipWithError(("task failed: " + v.detail).c_str());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 2 ? "zygote" : "exec, namespaces");
}
BENCHMARK(BM_MbppTask)->Arg(2)->Arg(1)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
