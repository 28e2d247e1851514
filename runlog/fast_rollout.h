// A fast reader of the rollout fields `logs summary` tallies (step, verdict verifiers and
// statuses, reward, completion length, finish reason), with simdjson: several times the speed of
// building a full nlohmann document for each multi-KB sample. A line it cannot read plainly
// (bad JSON, a wrong type, 3.0 for an integer) is left to the full parser, so that every
// message about a bad line comes from one place.
#pragma once

#include <string>
#include <string_view>

#include <simdjson.h>

#include "runlog/records.h"

namespace rlvr::runlog {

class FastRolloutReader {
 public:
  // Fills out's line, step, prompt_id, sample_index, verdicts (verifier, status, weight, reward),
  // reward, advantage, token counts and finish_reason; leaves prompt, completion, answer and
  // verdict details empty. Returns false when the line needs rollout_from_json.
  bool read_summary_fields(std::string_view line, long number, Rollout& out);

 private:
  simdjson::dom::parser parser_;
  std::string padded_;  // the line plus the zero padding simdjson reads past its end
};

}  // namespace rlvr::runlog
