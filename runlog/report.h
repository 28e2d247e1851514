// `rlvr logs report`: one self-contained HTML file (inline CSS, JS and SVG; nothing fetched)
// with per-step plots of the metrics, per-verifier status counts over time and a filterable
// table of the latest samples with their full text.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "runlog/jsonl_reader.h"

namespace rlvr::runlog {

struct ReportOptions {
  size_t max_samples = 2000;  // the table keeps the last this many samples of the log
};

struct ReportInfo {
  long metrics_lines = 0;
  long samples_total = 0;
  long samples_included = 0;
  ReadProblems metrics_problems, rollout_problems;
};

ReportInfo write_report(const std::string& run_path, std::ostream& out, const ReportOptions& options = {});

// JSON text safe inside an HTML <script> element: '<', '>' and '&' written as \u escapes, and
// invalid UTF-8 replaced, so no completion can close the script or open a tag.
std::string json_for_script(const nlohmann::json& value);

// The page around the data; `data_json` is the output of json_for_script.
std::string report_page(const std::string& title, const std::string& data_json);

}  // namespace rlvr::runlog
