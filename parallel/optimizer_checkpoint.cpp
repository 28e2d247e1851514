// ZeRO-1 optimizer shard files and re-sharding on load.
#include "parallel/optimizer_checkpoint.h"

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "model/safetensors.h"

namespace rlvr::parallel {

namespace {

constexpr const char* kFormat = "rlvr-zero1-v1";

std::string manifest_json(const ParamManifest& params) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [name, numel] : params) j.push_back({name, numel});
  return j.dump();
}

int64_t meta_int(const SafetensorsFile& f, const char* key) {
  auto it = f.metadata().find(key);
  RLVR_CHECK(it != f.metadata().end(), "parallel", f.path(), ": metadata has no '", key, "'");
  try {
    size_t used = 0;
    const int64_t v = std::stoll(it->second, &used);
    if (used == it->second.size()) return v;
  } catch (const std::exception&) {
  }
  RLVR_FAIL("parallel", "bad optimizer checkpoint metadata", f.path(), ": '", key, "' = '", it->second,
            "' is not an integer");
}

// Opens one old shard and checks it belongs to the checkpoint described by `from`.
std::shared_ptr<SafetensorsFile> open_shard(const std::string& dir, const ShardLayout& from, int q,
                                            const ParamManifest& params) {
  const std::string path = optimizer_shard_path(dir, q, from.world);
  RLVR_CHECK(std::filesystem::exists(path), "parallel", "optimizer checkpoint shard ", path, " is missing");
  auto f = SafetensorsFile::open(path);
  auto fmt = f->metadata().find("format");
  RLVR_CHECK(fmt != f->metadata().end() && fmt->second == kFormat, "parallel", path, ": not an ", kFormat, " file");
  RLVR_CHECK(meta_int(*f, "world") == from.world && meta_int(*f, "rank") == q, "parallel", path,
             ": metadata world/rank disagree with the file name");
  const ShardLayout written{from.world, meta_int(*f, "total"), meta_int(*f, "shard")};
  RLVR_CHECK(written.total == from.total, "parallel", path, ": holds a flat vector of ", written.total,
             " elements but the model has ", from.total, " (a different model?)");
  auto m = f->metadata().find("params");
  RLVR_CHECK(m != f->metadata().end() && m->second == manifest_json(params), "parallel", path,
             ": the parameter list (names, sizes, order) differs from this model's");
  return f;
}

}  // namespace

std::string optimizer_shard_path(const std::string& dir, int rank, int world) {
  char name[64];
  std::snprintf(name, sizeof name, "optimizer-%05d-of-%05d.safetensors", rank, world);
  return (std::filesystem::path(dir) / name).string();
}

void save_optimizer_shard(const std::string& dir, const OptimizerShard& s) {
  const int64_t n = s.layout.real_count(s.rank);
  RLVR_CHECK(s.master.numel() == n && s.exp_avg.numel() == n && s.exp_avg_sq.numel() == n, "parallel",
             "optimizer shard of rank ", s.rank, " holds ", s.master.numel(), " elements, its slice ", n);
  std::filesystem::create_directories(dir);
  const std::map<std::string, std::string> meta = {
      {"format", kFormat},
      {"world", std::to_string(s.layout.world)},
      {"rank", std::to_string(s.rank)},
      {"total", std::to_string(s.layout.total)},
      {"shard", std::to_string(s.layout.shard)},
      {"step", std::to_string(s.step)},
      {"params", manifest_json(s.params)},
  };
  save_safetensors(optimizer_shard_path(dir, s.rank, s.layout.world),
                   {{"master", s.master}, {"exp_avg", s.exp_avg}, {"exp_avg_sq", s.exp_avg_sq}}, meta);
}

int checkpoint_world_size(const std::string& dir) {
  RLVR_CHECK(std::filesystem::is_directory(dir), "parallel", "optimizer checkpoint directory ", dir, " does not exist");
  int world = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    int r = -1, w = 0;
    char tail[32] = {0};
    const std::string name = entry.path().filename().string();
    if (std::sscanf(name.c_str(), "optimizer-%5d-of-%5d.%31s", &r, &w, tail) == 3 && r == 0 &&
        std::strcmp(tail, "safetensors") == 0) {
      RLVR_CHECK(world == 0, "parallel", dir, " holds optimizer shards of two world sizes (", world, " and ", w, ")");
      world = w;
    }
  }
  RLVR_CHECK(world > 0, "parallel", dir, " has no optimizer-00000-of-N.safetensors");
  return world;
}

OptimizerShard load_optimizer_shard(const std::string& dir, const ShardLayout& layout, int rank,
                                    const ParamManifest& params) {
  const int old_world = checkpoint_world_size(dir);
  auto first = open_shard(dir, make_shard_layout(layout.total, old_world), 0, params);
  // The old layout as written (its alignment may differ from ours).
  const ShardLayout from{old_world, layout.total, meta_int(*first, "shard")};
  RLVR_CHECK(from.padded() >= from.total, "parallel", first->path(), ": shard size ", from.shard, " too small");
  OptimizerShard out;
  out.layout = layout;
  out.rank = rank;
  out.params = params;
  out.step = meta_int(*first, "step");
  const int64_t n = layout.real_count(rank);
  out.master = Tensor::zeros({n}, DType::F32);
  out.exp_avg = Tensor::zeros({n}, DType::BF16);
  out.exp_avg_sq = Tensor::zeros({n}, DType::BF16);
  for (const ReshardPiece& p : reshard_plan(from, layout, rank)) {
    auto f = p.from_rank == 0 ? first : open_shard(dir, from, p.from_rank, params);
    RLVR_CHECK(meta_int(*f, "step") == out.step, "parallel", f->path(), ": step ", meta_int(*f, "step"),
               " but rank 0 wrote step ", out.step);
    const int64_t m = from.real_count(p.from_rank);
    const Tensor master = f->load("master", {m}, DType::F32);
    const Tensor ea = f->load("exp_avg", {m}, DType::BF16), eas = f->load("exp_avg_sq", {m}, DType::BF16);
    std::memcpy(out.master.data<float>() + p.to_offset, master.data<float>() + p.from_offset, size_t(p.count) * 4);
    std::memcpy(out.exp_avg.data<bf16>() + p.to_offset, ea.data<bf16>() + p.from_offset, size_t(p.count) * 2);
    std::memcpy(out.exp_avg_sq.data<bf16>() + p.to_offset, eas.data<bf16>() + p.from_offset, size_t(p.count) * 2);
  }
  return out;
}

ZeroMoments::ZeroMoments(const std::string& dir) : dir_(dir) {
  const int world = checkpoint_world_size(dir);
  auto f = SafetensorsFile::open(optimizer_shard_path(dir, 0, world));
  auto m = f->metadata().find("params");
  RLVR_CHECK(m != f->metadata().end(), "parallel", f->path(), ": metadata has no parameter list");
  try {
    for (const auto& p : nlohmann::json::parse(m->second)) params_.emplace_back(p.at(0).get<std::string>(), p.at(1).get<int64_t>());
  } catch (const nlohmann::json::exception& e) {
    RLVR_FAIL("parallel", "bad optimizer checkpoint metadata", f->path(), ": params: ", e.what());
  }
  int64_t at = 0;
  for (const auto& [name, numel] : params_) offset_[name] = {at, numel}, at += numel;
  layout_ = {world, meta_int(*f, "total"), meta_int(*f, "shard")};
  RLVR_CHECK(layout_.total == at && layout_.padded() >= at, "parallel", f->path(), ": a flat vector of ",
             layout_.total, " elements (shards of ", layout_.shard, ") for parameters of ", at);
}

void ZeroMoments::read(const std::string& name, int64_t numel, int64_t offset, int64_t count, bf16* exp_avg,
                       bf16* exp_avg_sq) {
  const auto it = offset_.find(name);
  RLVR_CHECK(it != offset_.end(), "parallel", dir_, ": the optimizer checkpoint has no moments of ", name);
  RLVR_CHECK(it->second.second == numel && offset >= 0 && offset + count <= numel, "parallel", dir_, ": ", name,
             " has ", it->second.second, " elements there, ", numel, " here");
  for (int64_t a = it->second.first + offset, end = a + count; a < end;) {
    const int q = int(a / layout_.shard);
    const int64_t n = std::min(end, layout_.end(q)) - a;
    auto loaded = loaded_.find(q);
    if (loaded == loaded_.end()) {
      auto f = open_shard(dir_, layout_, q, params_);
      const int64_t real = layout_.real_count(q);
      loaded = loaded_.emplace(q, std::pair{f->load("exp_avg", {real}, DType::BF16),
                                            f->load("exp_avg_sq", {real}, DType::BF16)}).first;
    }
    const int64_t from = a - layout_.begin(q);
    std::memcpy(exp_avg, loaded->second.first.data<bf16>() + from, size_t(n) * 2);
    std::memcpy(exp_avg_sq, loaded->second.second.data<bf16>() + from, size_t(n) * 2);
    exp_avg += n, exp_avg_sq += n, a += n;
  }
}

}  // namespace rlvr::parallel
