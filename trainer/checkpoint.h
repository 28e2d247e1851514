// Checkpoints of a run: RUN_DIR/checkpoints/{sft,rl}_step_N/ with model.safetensors (every parameter,
// Hugging Face names, FP32; under expert parallelism one file per rank and their
// model.safetensors.index.json), optimizer.safetensors (BF16 AdamW moments), state.json (phase,
// steps, data cursors, seed, optimizer step count) and config.json (+ the char tokenizer), so a
// checkpoint is also a model directory `rlvr generate --model` reads. Written into a temporary
// directory that is renamed into place: a checkpoint is whole or absent. Sampling and data order
// are counter-based (Philox keyed by seed, step and sample), so the cursors are the RNG state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/transformer.h"
#include "trainer/optimizer.h"

namespace rlvr::trainer {

struct TrainState {
  std::string phase = "sft";  // "sft" or "rl": the phase the next step belongs to
  int64_t sft_step = 0;       // SFT steps done
  int64_t rl_step = 0;        // GRPO steps done
  int64_t sft_cursor = 0, rl_cursor = 0;  // examples consumed by each phase
  uint64_t seed = 0;
  int64_t optimizer_steps = 0;
  double elapsed_s = 0;       // training time before this checkpoint (for time_s in the logs)
  int64_t global_step() const { return sft_step + rl_step; }
  nlohmann::json to_json() const;
  static TrainState from_json(const nlohmann::json& j, const std::string& source);
};

// The directory name of a checkpoint: rl_step_N after N GRPO steps, else sft_step_N.
std::string checkpoint_name(const TrainState& state);

// Writes checkpoints/<checkpoint_name>/ and removes the oldest beyond `keep` (0: keep all).
// Throws rlvr::Error (disk full, permission, ...) after removing its temporary directory.
// With a sharded (data-parallel) optimizer it is collective: rank 0 writes the weights and
// state.json, each rank its slice under optimizer/ (parallel/optimizer_checkpoint.h), and every
// rank throws when any failed.
// tokenizer_json: written as char_tokenizer.json when not empty. rank_files: written by every rank
// that passes them (their names must differ between ranks), e.g. the batches in flight.
struct CheckpointFile {
  std::string name, bytes;
};
std::string save_checkpoint(const std::string& run_dir, model::Transformer& model, AdamW& optimizer,
                            const TrainState& state, int64_t keep, const std::string& tokenizer_json = "",
                            const std::vector<CheckpointFile>& rank_files = {});

// The newest complete checkpoint directory, if any (temporary directories are ignored; the
// step_N directories of older runs count, ordered by the steps their state.json holds).
std::optional<std::string> latest_checkpoint(const std::string& run_dir);
// A checkpoint given as a directory or as a name under run_dir/checkpoints (rl_step_200);
// throws listing the checkpoints there.
std::string find_checkpoint(const std::string& run_dir, const std::string& name_or_dir);

TrainState read_train_state(const std::string& checkpoint_dir);
// Loads weights (shapes checked against the model's config) and the optimizer's moments from
// either optimizer layout, whatever world size wrote it (collective when sharded).
void load_checkpoint(const std::string& checkpoint_dir, model::Transformer& model, AdamW* optimizer);

}  // namespace rlvr::trainer
