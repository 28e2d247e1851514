#include "trainer/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <fcntl.h>
#include <unistd.h>

#include "common/error.h"
#include "model/atomic_file.h"
#include "model/safetensors.h"

namespace fs = std::filesystem;

namespace rlvr::trainer {

nlohmann::json TrainState::to_json() const {
  return {{"format", 1},           {"phase", phase},         {"sft_step", sft_step},
          {"rl_step", rl_step},    {"sft_cursor", sft_cursor}, {"rl_cursor", rl_cursor},
          {"seed", seed},          {"optimizer_steps", optimizer_steps}, {"elapsed_s", elapsed_s}};
}

TrainState TrainState::from_json(const nlohmann::json& j, const std::string& source) {
  TrainState s;
  try {
    RLVR_CHECK(j.at("format").get<int>() == 1, "checkpoint", source, ": unknown format ", j.at("format").dump());
    s.phase = j.at("phase").get<std::string>();
    RLVR_CHECK(s.phase == "sft" || s.phase == "rl", "checkpoint", source, ": phase must be sft or rl, got ", s.phase);
    s.sft_step = j.at("sft_step").get<int64_t>();
    s.rl_step = j.at("rl_step").get<int64_t>();
    s.sft_cursor = j.at("sft_cursor").get<int64_t>();
    s.rl_cursor = j.at("rl_cursor").get<int64_t>();
    s.seed = j.at("seed").get<uint64_t>();
    s.optimizer_steps = j.at("optimizer_steps").get<int64_t>();
    s.elapsed_s = j.at("elapsed_s").get<double>();
  } catch (const nlohmann::json::exception& e) {
    RLVR_FAIL("checkpoint", cat(source, ": ", e.what()));
  }
  RLVR_CHECK(s.sft_step >= 0 && s.rl_step >= 0 && s.sft_cursor >= 0 && s.rl_cursor >= 0, "checkpoint", source,
             ": negative step or cursor");
  return s;
}

namespace {

// checkpoints/sft_step_N or rl_step_N (and step_N, the global count older runs wrote).
bool is_checkpoint_name(const std::string& name) {
  for (const char* prefix : {"sft_step_", "rl_step_", "step_"}) {
    const std::string p = prefix;
    if (name.size() > p.size() && name.compare(0, p.size(), p) == 0 &&
        name.find_first_not_of("0123456789", p.size()) == std::string::npos && name.size() - p.size() <= 15)
      return true;
  }
  return false;
}

// Complete checkpoints (a state.json that reads), oldest first by the steps they hold.
std::vector<std::pair<int64_t, fs::path>> checkpoints(const fs::path& dir) {
  std::vector<std::pair<int64_t, fs::path>> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!is_checkpoint_name(e.path().filename().string()) || !fs::exists(e.path() / "state.json")) continue;
    try {
      out.emplace_back(read_train_state(e.path().string()).global_step(), e.path());
    } catch (const Error&) {  // not a checkpoint after all
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void fsync_path(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

namespace {

// Data-parallel agreement: every rank learns whether any rank failed (a collective, so a rank
// that failed to write does not leave the others waiting).
bool all_ok(parallel::Communicator* comm, bool ok) {
  if (!comm) return ok;
  int32_t failed = ok ? 0 : 1;
  comm->all_reduce(std::span<int32_t>(&failed, 1), parallel::ReduceOp::Max);
  return failed == 0;
}

}  // namespace

std::string save_checkpoint(const std::string& run_dir, model::Transformer& model, AdamW& optimizer,
                            const TrainState& state, int64_t keep, const std::string& tokenizer_json,
                            const std::vector<CheckpointFile>& rank_files) {
  // Sharded: rank 0 writes the model, config and state; every rank its optimizer slice, into
  // one temporary directory (named without a pid so that all ranks agree) renamed by rank 0.
  // Expert parallelism: every rank writes the weights it alone holds (its routed experts; rank 0
  // also every replicated one) as model-0000(r+1)-of-0000W.safetensors, and rank 0 the index
  // that makes the directory one Hugging Face model.
  parallel::Communicator* comm = optimizer.comm();
  const bool writer = !comm || comm->rank() == 0;
  const fs::path dir = fs::path(run_dir) / "checkpoints";
  const std::string name = checkpoint_name(state);
  const fs::path final_dir = dir / name;
  const fs::path tmp = comm ? dir / cat(".tmp_", name, "_dp") : dir / cat(".tmp_", name, "_", ::getpid());
  bool expert_shards = false;
  TensorMap weights;  // what this rank writes
  for (const auto& p : model.params()) {
    expert_shards |= p.rank_local;
    if (writer || p.rank_local) weights.emplace(p.name, *p.value);
  }
  RLVR_CHECK(!expert_shards || comm, "checkpoint", "a model holding a share of the experts saves with its ranks");
  const int world = comm ? comm->size() : 1, rank = comm ? comm->rank() : 0;
  const std::string weights_file = expert_shards ? safetensors_shard_name("model", size_t(rank) + 1, size_t(world))
                                                 : std::string("model.safetensors");
  std::string error;
  auto attempt = [&](const std::function<void()>& work) {
    if (!error.empty()) return;
    try {
      work();
    } catch (const std::exception& e) {
      error = e.what();
    }
  };
  if (writer)
    attempt([&] {
      fs::create_directories(dir);
      fs::remove_all(tmp);
      fs::create_directory(tmp);
      save_safetensors((tmp / weights_file).string(), weights, {{"format", "pt"}});
      write_file_atomic((tmp / "config.json").string(), model.config().to_json().dump(2) + "\n");
      if (!tokenizer_json.empty()) write_file_atomic((tmp / "char_tokenizer.json").string(), tokenizer_json);
    });
  bool ok = all_ok(comm, error.empty());
  if (ok) attempt([&] {
    if (!writer && expert_shards) save_safetensors((tmp / weights_file).string(), weights, {{"format", "pt"}});
    optimizer.write_state(tmp);
    for (const CheckpointFile& f : rank_files) write_file_atomic((tmp / f.name).string(), f.bytes);
  });
  ok = all_ok(comm, error.empty());
  if (ok && writer)
    attempt([&] {
      if (expert_shards) {
        std::vector<std::string> files;
        for (int r = 0; r < world; ++r) files.push_back(safetensors_shard_name("model", size_t(r) + 1, size_t(world)));
        write_safetensors_index(tmp.string(), files);
      }
      write_file_atomic((tmp / "state.json").string(), state.to_json().dump(2) + "\n");
      fs::remove_all(final_dir);  // a step written again after a resume replaces the old one
      fs::rename(tmp, final_dir);
      fsync_path(dir);
    });
  ok = all_ok(comm, error.empty());
  if (!ok) {
    std::error_code ec;
    if (writer) fs::remove_all(tmp, ec);
    RLVR_FAIL("checkpoint", cat("writing ", final_dir.string(), " failed: ",
                                error.empty() ? std::string("on another rank") : error));
  }
  if (keep > 0 && writer) {
    auto all = checkpoints(dir);
    for (size_t i = 0; i + size_t(keep) < all.size(); ++i) {
      std::error_code ec;
      fs::remove_all(all[i].second, ec);
    }
  }
  return final_dir.string();
}

std::string checkpoint_name(const TrainState& state) {
  return state.rl_step > 0 ? cat("rl_step_", state.rl_step) : cat("sft_step_", state.sft_step);
}

std::string find_checkpoint(const std::string& run_dir, const std::string& name_or_dir) {
  for (const fs::path& p : {fs::path(name_or_dir), fs::path(run_dir) / "checkpoints" / name_or_dir})
    if (fs::exists(p / "state.json")) return p.string();
  std::string known;
  for (const auto& [step, path] : checkpoints(fs::path(run_dir) / "checkpoints")) known.append(" ").append(path.filename().string());
  RLVR_FAIL("checkpoint", cat("no checkpoint '", name_or_dir, "' (a directory holding state.json, or a name in ",
                              run_dir, "/checkpoints:", known.empty() ? std::string(" none") : known, ")"));
}

std::optional<std::string> latest_checkpoint(const std::string& run_dir) {
  auto all = checkpoints(fs::path(run_dir) / "checkpoints");
  if (all.empty()) return std::nullopt;
  return all.back().second.string();
}

TrainState read_train_state(const std::string& checkpoint_dir) {
  const std::string path = (fs::path(checkpoint_dir) / "state.json").string();
  std::ifstream in(path);
  RLVR_CHECK(in.good(), "checkpoint", "cannot open ", path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    RLVR_FAIL("checkpoint", cat(path, ": invalid JSON: ", e.what()));
  }
  return TrainState::from_json(j, path);
}

void load_checkpoint(const std::string& checkpoint_dir, model::Transformer& model, AdamW* optimizer) {
  const fs::path d(checkpoint_dir);
  // model.safetensors, or the index of an expert-parallel run's per-rank files: the tensors
  // this model holds (a share of the experts reads only its own).
  const WeightStore weights = WeightStore::open(checkpoint_dir);
  for (auto& p : model.params()) {
    RLVR_CHECK(weights.has(p.name), "checkpoint", checkpoint_dir, ": missing tensor ", p.name);
    *p.value = weights.load(p.name, p.value->shape(), DType::F32).to(p.value->device());
    if (p.version) ++*p.version;
  }
  if (optimizer) optimizer->read_state(d);
}

}  // namespace rlvr::trainer
