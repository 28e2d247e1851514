// Gathering a run's data for the HTML report in one streaming pass.
#include "runlog/report.h"

#include <array>
#include <cmath>
#include <deque>
#include <map>
#include <optional>

#include "common/error.h"
#include "runlog/fast_rollout.h"
#include "runlog/fields.h"
#include "runlog/records.h"
#include "runlog/run_dir.h"

namespace rlvr::runlog {
namespace {

using nlohmann::json;

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

json problems_json(const ReadProblems& p) {
  return {{"path", p.path}, {"bad_lines", p.bad_lines}, {"messages", p.messages}, {"partial_last_line", p.partial_last_line}};
}

}  // namespace

std::string json_for_script(const json& value) {
  const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (char c : text) {
    switch (c) {  // these occur only inside JSON strings, where the escapes mean the same
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

ReportInfo write_report(const std::string& run_path, std::ostream& out, const ReportOptions& options) {
  ReportInfo info;
  RunDir run = open_run_dir(run_path);
  json metrics = json::array();
  if (!run.metrics_path.empty())
    for_each_object(run.metrics_path, info.metrics_problems, [&](const json& object, long line) {
      metrics_row_from_json(object, line);  // rejects a line with wrongly typed fields
      metrics.push_back(object);
      return true;
    });
  info.metrics_lines = static_cast<long>(metrics.size());

  // Per step from the samples: status counts per verifier, reward and length sums.
  std::map<long, std::map<std::string, std::map<std::string, long>>> statuses;
  std::map<long, std::array<double, 4>> sums;  // reward sum, reward count, length sum, length count
  // The last max_samples lines are kept as text (or parsed, when only the full parser could read
  // them) and parsed in full at the end; the rest only pass through the fast summary reader.
  struct Kept {
    std::string text;
    long line = 0;
    std::optional<Rollout> parsed;
  };
  std::deque<Kept> latest;
  const auto tally = [&](const Rollout& r) {
    ++info.samples_total;
    for (const Verdict& v : r.verdicts) ++statuses[r.step][v.verifier][v.status];
    auto& s = sums[r.step];
    if (!std::isnan(r.reward)) s[0] += r.reward, s[1] += 1;
    if (r.completion_tokens >= 0) s[2] += static_cast<double>(r.completion_tokens), s[3] += 1;
  };
  const auto keep = [&](Kept kept) {
    if (options.max_samples == 0) return;
    if (latest.size() == options.max_samples) latest.pop_front();
    latest.push_back(std::move(kept));
  };
  FastRolloutReader fast;
  Rollout quick;
  if (!run.rollouts_path.empty())
    for_each_line(run.rollouts_path, info.rollout_problems, [&](std::string_view line, long number) {
      if (fast.read_summary_fields(line, number, quick)) {
        tally(quick);
        keep({std::string(line), number, std::nullopt});
        return true;
      }
      return parse_object_line(line, number, info.rollout_problems, [&](const json& object, long n) {
        Rollout r = rollout_from_json(object, n);
        tally(r);
        keep({std::string(), n, std::move(r)});
        return true;
      });
    });
  json samples = json::array();
  for (Kept& k : latest) {
    if (!k.parsed) k.parsed = rollout_from_json(json::parse(k.text), k.line);  // read fine above
    samples.push_back(rollout_to_json(*k.parsed));
  }
  info.samples_included = static_cast<long>(samples.size());

  json steps = json::array();
  for (const auto& [step, s] : sums) {
    json row = {{field::kStep, step}, {field::kStatusCounts, statuses[step]}};
    if (s[1] > 0) row[field::kRewardMean] = s[0] / s[1];
    if (s[3] > 0) row[field::kResponseLenMean] = s[2] / s[3];
    steps.push_back(std::move(row));
  }
  json config = json::array();
  for (const auto& [key, value] : config_digest(run)) config.push_back({key, value});

  json data = {{"run", run.path},
               {"config", config},
               {"metrics", metrics},
               {"sample_steps", steps},
               {"samples", samples},
               {"samples_total", info.samples_total},
               {"problems", {problems_json(info.metrics_problems), problems_json(info.rollout_problems)}}};
  out << report_page(html_escape("rlvr run " + run.path), json_for_script(data));
  RLVR_CHECK(out.good(), "runlog", "writing the report failed");
  return info;
}

}  // namespace rlvr::runlog
