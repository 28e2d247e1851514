// Finding the files of a run directory and reading its small parts (config digest, metrics).
#include "runlog/run_dir.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <sstream>

#include <toml++/toml.h>

#include "common/error.h"

namespace rlvr::runlog {
namespace fs = std::filesystem;

namespace {

std::string if_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) ? p.string() : std::string();
}

std::string node_text(const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  if (auto d = node.as_floating_point()) {  // shortest text that reads back the same: 0.2, not 0.20000000000000001
    char buffer[32];
    auto end = std::to_chars(buffer, buffer + sizeof buffer, d->get()).ptr;
    return std::string(buffer, end);
  }
  std::ostringstream os;
  node.visit([&](auto&& v) {
    using T = std::remove_cvref_t<decltype(v)>;
    if constexpr (std::is_same_v<T, toml::table>)
      os << "{...}";
    else if constexpr (std::is_same_v<T, toml::array>)
      os << toml::json_formatter{v};  // compact enough for a list of stop strings
    else
      os << v;
  });
  std::string text = os.str();
  text.erase(std::remove(text.begin(), text.end(), '\n'), text.end());
  return text;
}

// The keys a user checks first when reading someone's run; absent ones are left out.
constexpr const char* kDigestKeys[] = {
    "run.name",         "run.steps",          "run.seed",           "run.device",
    "run.expert_parallel", "model.path",
    "model.tokenizer",  "data.train",         "rollout.n",          "rollout.prompts_per_step",
    "rollout.temperature", "rollout.max_new_tokens", "rollout.precision", "algorithm.kl_coef",
    "algorithm.clip_low", "algorithm.clip_high", "algorithm.rollout_correction", "algorithm.dynamic_sampling",
    "optimizer.lr",      "precision.train",
    "sft.steps"};

}  // namespace

RunDir open_run_dir(const std::string& path) {
  std::error_code ec;
  RLVR_CHECK(fs::is_directory(path, ec), "runlog", "'", path, "' is not a directory");
  RunDir run;
  run.path = path;
  run.config_path = if_file(fs::path(path) / "config.toml");
  run.metrics_path = if_file(fs::path(path) / "metrics.jsonl");
  run.rollouts_path = if_file(fs::path(path) / "rollouts.jsonl");
  RLVR_CHECK(!run.config_path.empty() || !run.metrics_path.empty() || !run.rollouts_path.empty(), "runlog",
             "'", path, "' is not a run directory: it has none of config.toml, metrics.jsonl, rollouts.jsonl");
  fs::path checkpoints = fs::path(path) / "checkpoints";
  if (fs::is_directory(checkpoints, ec)) {
    for (const auto& entry : fs::directory_iterator(checkpoints, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("step_", 0) != 0 || name.size() == 5 || name.size() > 15) continue;
      if (name.find_first_not_of("0123456789", 5) != std::string::npos) continue;
      run.checkpoint_steps.push_back(std::stol(name.substr(5)));
    }
    std::sort(run.checkpoint_steps.begin(), run.checkpoint_steps.end());
  }
  return run;
}

std::vector<std::pair<std::string, std::string>> config_digest(const RunDir& run) {
  std::vector<std::pair<std::string, std::string>> digest;
  if (run.config_path.empty()) return digest;
  toml::table config;
  try {
    config = toml::parse_file(run.config_path);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    digest.push_back({"config.toml", cat("does not parse: ", e.description(), " (", where.str(), ")")});
    return digest;
  }
  for (const char* key : kDigestKeys)
    if (auto node = config.at_path(key); node && node.value_or(std::string("-")) != "")
      digest.push_back({key, node_text(*node.node())});
  if (auto verifiers = config.at_path("rewards.verifiers").as_array()) {
    std::string list;
    for (const toml::node& v : *verifiers) {
      const toml::table* t = v.as_table();
      if (!t) continue;
      if (!list.empty()) list += ", ";
      list += (*t)["name"].value_or<std::string>("?");
      if (auto w = (*t)["weight"].value<double>()) list += cat(" x", *w);
    }
    digest.push_back({"rewards.verifiers", list});
  }
  return digest;
}

std::vector<MetricsRow> read_metrics(const RunDir& run, ReadProblems& problems) {
  std::vector<MetricsRow> rows;
  if (run.metrics_path.empty()) return rows;
  for_each_object(run.metrics_path, problems, [&](const nlohmann::json& object, long line) {
    rows.push_back(metrics_row_from_json(object, line));
    return true;
  });
  return rows;
}

}  // namespace rlvr::runlog
