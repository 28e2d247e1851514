// `rlvr verify`: scores a JSONL file with one verifier and writes each line back with its
// reward, status and detail, then a summary (counts per status, checks/s).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "common/error.h"
#include "rewards/reward_service.h"

namespace rlvr::cli {
namespace {

constexpr size_t kBatch = 512;

// "--option key=value": the value is JSON when it parses as JSON (numbers, true, ["a"]), else a string.
nlohmann::json parse_options(const std::vector<std::string>& pairs) {
  nlohmann::json options = nlohmann::json::object();
  for (const std::string& pair : pairs) {
    size_t eq = pair.find('=');
    RLVR_CHECK(eq != std::string::npos && eq > 0, "cli", "--option needs key=value, got '", pair, "'");
    std::string key = pair.substr(0, eq), value = pair.substr(eq + 1);
    nlohmann::json parsed = nlohmann::json::parse(value, nullptr, false);
    options[key] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
  }
  return options;
}

std::vector<nlohmann::json> read_rows(const std::string& path) {
  std::ifstream in(path);
  RLVR_CHECK(in.good(), "cli", "cannot open input", "'", path, "'");
  std::vector<nlohmann::json> rows;
  std::string line;
  for (long number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      RLVR_FAIL("cli", "bad JSONL line", path, ":", number, ": ", e.what());
    }
    if (!row.is_object()) RLVR_FAIL("cli", "bad JSONL line", path, ":", number, ": expected an object, got ", row.type_name());
    if (!row.contains("completion") || !row["completion"].is_string())
      RLVR_FAIL("cli", "bad JSONL line", path, ":", number, ": field 'completion' (a string) is missing");
    if (row.contains("prompt") && !row["prompt"].is_string())
      RLVR_FAIL("cli", "bad JSONL line", path, ":", number, ": field 'prompt' must be a string");
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

int cmd_verify(const std::vector<std::string>& argv) {
  Args args(argv, {"--verifier", "--input", "--output", "--option", "--threads", "--timeout"});
  RLVR_CHECK(args.positionals().empty(), "cli", "unexpected argument", "'", args.positionals()[0], "'");
  rewards::VerifierSpec spec{args.require("--verifier"), 1.0, parse_options(args.get_all("--option"))};
  const std::string input = args.require("--input");
  rewards::RewardServiceConfig config;
  config.threads = static_cast<int>(args.get_int("--threads", config.threads));
  config.sample_timeout_s = args.get_double("--timeout", config.sample_timeout_s);
  rewards::RewardService service({spec}, config);
  std::vector<nlohmann::json> rows = read_rows(input);

  std::ofstream file;
  const auto output = args.get("--output");
  if (output) {
    file.open(*output);
    RLVR_CHECK(file.good(), "cli", "cannot write output", "'", *output, "'");
  }
  std::ostream& out = output ? static_cast<std::ostream&>(file) : std::cout;
  const auto start = std::chrono::steady_clock::now();
  for (size_t begin = 0; begin < rows.size(); begin += kBatch) {
    size_t end = std::min(rows.size(), begin + kBatch);
    std::vector<rewards::Sample> batch;
    for (size_t i = begin; i < end; ++i)
      batch.push_back({rows[i].value("prompt", ""), rows[i]["completion"].get<std::string>(), rows[i]});
    auto scored = service.score(batch);
    for (size_t i = begin; i < end; ++i) {
      nlohmann::json line = rows[i];
      const rewards::Verdict& v = scored[i - begin].verdicts[0];
      line["reward"] = scored[i - begin].reward;
      line["status"] = v.status;
      line["detail"] = v.detail;
      out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }
  }
  out.flush();
  RLVR_CHECK(out.good(), "cli", "writing the output failed");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The summary goes to stderr when the results go to stdout.
  FILE* summary = output ? stdout : stderr;
  std::fprintf(summary, "verified %zu samples with %s in %.3f s (%.0f checks/s)\n", rows.size(), spec.name.c_str(),
               seconds, seconds > 0 ? rows.size() / seconds : 0.0);
  const rewards::RewardMetrics metrics = service.metrics();
  for (const auto& [verifier, counts] : metrics.status_counts)
    for (const auto& [status, count] : counts) std::fprintf(summary, "  %-10s %ld\n", status.c_str(), count);
  if (metrics.abandoned_calls > 0)
    std::fprintf(summary, "  (%ld verifier calls overran the time limit and were abandoned)\n",
                 metrics.abandoned_calls);
  return 0;
}

}  // namespace rlvr::cli
