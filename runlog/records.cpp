// Typed views of metrics.jsonl and rollouts.jsonl lines, with the field named on a type mismatch.
#include "runlog/records.h"

#include <cmath>

#include "common/error.h"
#include "runlog/fields.h"
#include "runlog/jsonl_reader.h"

namespace rlvr::runlog {
namespace {

using nlohmann::json;

[[noreturn]] void bad_field(const std::string& name, const char* expected, const json& value) {
  throw BadRecord(cat("field '", name, "' must be ", expected, ", got ", value.type_name()));
}

void read_string(const json& object, const char* name, std::string& out, bool* present = nullptr) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return;
  if (!it->is_string()) bad_field(name, "a string", *it);
  out = it->get<std::string>();
  if (present) *present = true;
}

void read_number(const json& object, const char* name, double& out) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return;
  if (!it->is_number()) bad_field(name, "a number", *it);
  out = it->get<double>();
}

void read_integer(const json& object, const char* name, long& out) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return;
  if (it->is_number_integer()) {
    out = it->get<long>();
    return;
  }
  if (it->is_number_float()) {  // 3.0 is fine, 3.5 is not
    double value = it->get<double>();
    if (std::floor(value) == value && std::fabs(value) < 9e15) {
      out = static_cast<long>(value);
      return;
    }
  }
  bad_field(name, "an integer", *it);
}

StatusCounts read_status_counts(const json& value) {
  if (!value.is_object()) bad_field(field::kStatusCounts, "an object", value);
  StatusCounts counts;
  for (const auto& [verifier, statuses] : value.items()) {
    if (!statuses.is_object()) bad_field("status_counts." + verifier, "an object", statuses);
    for (const auto& [status, count] : statuses.items()) {
      const std::string name = "status_counts." + verifier + "." + status;
      if (!count.is_number()) bad_field(name, "a number", count);
      double n = count.get<double>();
      if (!(n >= 0 && n < 9e15)) throw BadRecord(cat("field '", name, "' must be a count, got ", count.dump()));
      counts[verifier][status] += static_cast<long>(n);
    }
  }
  return counts;
}

Verdict read_verdict(const json& value, size_t index) {
  const std::string where = cat("verdicts[", index, "]");
  if (!value.is_object()) bad_field(where, "an object", value);
  Verdict v;
  try {
    read_string(value, field::kVerifier, v.verifier);
    read_number(value, field::kWeight, v.weight);
    read_number(value, field::kReward, v.reward);
    read_string(value, field::kStatus, v.status);
    read_string(value, field::kDetail, v.detail);
  } catch (const BadRecord& e) {
    std::string message = e.what();  // "field 'status' must be ..." -> "field 'verdicts[0].status' ..."
    throw BadRecord(message.insert(std::string("field '").size(), where + "."));
  }
  return v;
}

}  // namespace

double MetricsRow::get(const std::string& name) const {
  auto it = values.find(name);
  return it == values.end() ? kMissing : it->second;
}

MetricsRow metrics_row_from_json(const json& object, long line) {
  MetricsRow row;
  row.line = line;
  read_integer(object, field::kStep, row.step);
  read_string(object, field::kPhase, row.phase);
  for (const auto& [name, value] : object.items()) {
    if (name == field::kStep) continue;
    if (value.is_number()) row.values[name] = value.get<double>();
  }
  if (auto it = object.find(field::kStatusCounts); it != object.end() && !it->is_null())
    row.status_counts = read_status_counts(*it);
  return row;
}

Rollout rollout_from_json(const json& object, long line) {
  Rollout r;
  r.line = line;
  read_integer(object, field::kStep, r.step);
  read_integer(object, field::kPromptId, r.prompt_id);
  read_integer(object, field::kSampleIndex, r.sample_index);
  read_string(object, field::kPrompt, r.prompt);
  read_string(object, field::kCompletion, r.completion);
  read_string(object, field::kAnswer, r.answer, &r.has_answer);
  if (auto it = object.find(field::kVerdicts); it != object.end() && !it->is_null()) {
    if (!it->is_array()) bad_field(field::kVerdicts, "an array", *it);
    r.verdicts.reserve(it->size());
    for (size_t i = 0; i < it->size(); ++i) r.verdicts.push_back(read_verdict((*it)[i], i));
  }
  read_number(object, field::kReward, r.reward);
  read_number(object, field::kAdvantage, r.advantage);
  read_integer(object, field::kPromptTokens, r.prompt_tokens);
  read_integer(object, field::kCompletionTokens, r.completion_tokens);
  read_string(object, field::kFinishReason, r.finish_reason);
  read_number(object, field::kRolloutLogprob, r.rollout_logprob);
  read_number(object, field::kLearnerLogprob, r.learner_logprob);
  return r;
}

json rollout_to_json(const Rollout& r) {
  auto number = [](double x) { return std::isnan(x) ? json() : json(x); };
  json verdicts = json::array();
  for (const Verdict& v : r.verdicts)
    verdicts.push_back({{field::kVerifier, v.verifier}, {field::kWeight, number(v.weight)}, {field::kReward, number(v.reward)},
                        {field::kStatus, v.status}, {field::kDetail, v.detail}});
  json out = {{field::kStep, r.step}, {field::kPromptId, r.prompt_id}, {field::kSampleIndex, r.sample_index},
              {field::kPrompt, r.prompt}, {field::kCompletion, r.completion}, {field::kVerdicts, verdicts},
              {field::kReward, number(r.reward)}, {field::kAdvantage, number(r.advantage)},
              {field::kPromptTokens, r.prompt_tokens}, {field::kCompletionTokens, r.completion_tokens},
              {field::kFinishReason, r.finish_reason}, {field::kRolloutLogprob, number(r.rollout_logprob)},
              {field::kLearnerLogprob, number(r.learner_logprob)}, {"line", r.line}};
  if (r.has_answer) out[field::kAnswer] = r.answer;
  return out;
}

}  // namespace rlvr::runlog
