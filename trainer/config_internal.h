// Helpers shared by the run-config parser, checks and writer (private to trainer/).
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "trainer/run_config.h"

// Throws rlvr::Error "config: WHERE: KEY: detail..." (WHERE: "run.toml:12:9", "--set" or a file).
#define RLVR_CONFIG_FAIL(where, key, ...) RLVR_FAIL("config", ::rlvr::cat(where, ": ", key), __VA_ARGS__)

namespace rlvr::trainer {

// The closest candidate within a small edit distance, or "" when none is close.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);
// " (did you mean 'x'?)" or "".
std::string suggestion_suffix(const std::string& word, const std::vector<std::string>& candidates);

// Cross-key rules (G = 1 with group normalization, model.path vs [model.init], ...).
void check_consistency(const RunConfig& cfg, const LoadOptions& options);
// Files the config names: datasets (rows scanned for the fields the template needs), model dir.
void check_files(const RunConfig& cfg);
// With run.device = "cuda": the CUDA backend's limits on the config's keys and [model.init]
// (config_checks_cuda.cpp); the second form for the config.json of model.path.
void check_cuda_limits(const RunConfig& cfg);
void check_cuda_limits(const RunConfig& cfg, const model::ModelConfig& from_path);

// A TOML string literal with escapes; a double that reads back bit-identical.
std::string toml_string(const std::string& s);
std::string toml_float(double v);
std::string toml_float(float v);

}  // namespace rlvr::trainer
