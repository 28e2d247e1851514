// simdjson DOM reading of the summary's rollout fields, with the same type rules as records.cpp.
#include "runlog/fast_rollout.h"

#include <cmath>

#include "runlog/fields.h"

namespace rlvr::runlog {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Each returns false for a type the full parser must judge; null leaves the default.
bool read_int(element value, long& out) {
  if (value.is_null()) return true;
  if (value.type() != element_type::INT64) return false;
  out = static_cast<long>(int64_t(value));
  return true;
}

bool read_double(element value, double& out) {
  if (value.is_null()) return true;
  double x;
  if (!value.is_number() || value.get_double().get(x)) return false;
  out = x;
  return true;
}

bool read_string(element value, std::string* out) {
  if (value.is_null()) return true;
  std::string_view text;
  if (value.get_string().get(text)) return false;
  if (out) out->assign(text);
  return true;
}

bool read_verdict(element value, Verdict& v) {
  simdjson::dom::object object;
  if (value.get_object().get(object)) return false;
  v = Verdict{};
  for (auto field : object) {
    const std::string_view key = field.key;
    bool ok = true;
    if (key == field::kVerifier) ok = read_string(field.value, &v.verifier);
    else if (key == field::kStatus) ok = read_string(field.value, &v.status);
    else if (key == field::kDetail) ok = read_string(field.value, nullptr);
    else if (key == field::kWeight) ok = read_double(field.value, v.weight);
    else if (key == field::kReward) ok = read_double(field.value, v.reward);
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool FastRolloutReader::read_summary_fields(std::string_view line, long number, Rollout& out) {
  padded_.assign(line);
  padded_.append(simdjson::SIMDJSON_PADDING, '\0');
  element doc;
  if (parser_.parse(padded_.data(), line.size(), false).get(doc)) return false;
  simdjson::dom::object object;
  if (doc.get_object().get(object)) return false;
  out.line = number;
  out.step = out.prompt_id = out.sample_index = out.prompt_tokens = out.completion_tokens = -1;
  out.reward = out.advantage = out.rollout_logprob = out.learner_logprob = kMissing;
  out.prompt.clear(), out.completion.clear(), out.answer.clear(), out.finish_reason.clear();
  out.has_answer = false;
  out.verdicts.clear();
  for (auto field : object) {
    const std::string_view key = field.key;
    bool ok = true;
    if (key == field::kStep) ok = read_int(field.value, out.step);
    else if (key == field::kPromptId) ok = read_int(field.value, out.prompt_id);
    else if (key == field::kSampleIndex) ok = read_int(field.value, out.sample_index);
    else if (key == field::kPromptTokens) ok = read_int(field.value, out.prompt_tokens);
    else if (key == field::kCompletionTokens) ok = read_int(field.value, out.completion_tokens);
    else if (key == field::kReward) ok = read_double(field.value, out.reward);
    else if (key == field::kAdvantage) ok = read_double(field.value, out.advantage);
    else if (key == field::kRolloutLogprob) ok = read_double(field.value, out.rollout_logprob);
    else if (key == field::kLearnerLogprob) ok = read_double(field.value, out.learner_logprob);
    else if (key == field::kFinishReason) ok = read_string(field.value, &out.finish_reason);
    else if (key == field::kPrompt || key == field::kCompletion || key == field::kAnswer) ok = read_string(field.value, nullptr);
    else if (key == field::kVerdicts) {
      if (field.value.is_null()) continue;
      simdjson::dom::array verdicts;
      if (field.value.get_array().get(verdicts)) return false;
      out.verdicts.clear();
      for (element v : verdicts) {
        out.verdicts.emplace_back();
        if (!read_verdict(v, out.verdicts.back())) return false;
      }
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace rlvr::runlog
