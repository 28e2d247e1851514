// AdamW's checkpoint files in every layout: optimizer.safetensors (one process: moments by
// parameter name), optimizer/ (ZeRO-1: one file per rank, parallel/optimizer_checkpoint.h) and,
// under expert parallelism, optimizer/experts-0000r-of-0000W.safetensors (each rank's experts'
// moments by name). Any of them loads at any world size, with or without expert parallelism: a
// checkpoint written by the same parameter split re-cuts its ZeRO-1 slices directly, any other
// is read parameter by parameter by name. The FP32 masters are the model's weights, which the
// caller has loaded (ZeRO-1 gathers its masters into them after every step).
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "common/error.h"
#include "parallel/optimizer_checkpoint.h"
#include "model/safetensors.h"
#include "trainer/optimizer.h"

namespace fs = std::filesystem;

namespace rlvr::trainer {

namespace {

constexpr const char* kSingleFile = "optimizer.safetensors";
constexpr const char* kShardDir = "optimizer";
constexpr const char* kExpertsPrefix = "experts-";

std::string experts_file_name(int rank, int world) {
  char name[64];
  std::snprintf(name, sizeof name, "%s%05d-of-%05d.safetensors", kExpertsPrefix, rank, world);
  return name;
}

// The moments of a checkpoint by parameter name, wherever its layout put them.
class CheckpointMoments {
 public:
  explicit CheckpointMoments(const fs::path& ckpt_dir) : dir_(ckpt_dir.string()) {
    const fs::path shards = ckpt_dir / kShardDir, single = ckpt_dir / kSingleFile;
    if (fs::exists(single)) add_named(single);
    if (!fs::is_directory(shards)) return;
    zero_ = std::make_unique<parallel::ZeroMoments>(shards.string());
    for (const auto& e : fs::directory_iterator(shards))
      if (e.path().filename().string().starts_with(kExpertsPrefix)) add_named(e.path());
  }

  // Elements [offset, offset + count) of parameter p's moments into m and v from element `at`.
  void read(const model::ParamRef& p, int64_t offset, int64_t count, Tensor& m, Tensor& v, int64_t at) {
    bf16* dm = m.data<bf16>() + at;
    bf16* dv = v.data<bf16>() + at;
    if (zero_ && zero_->has(p.name)) return zero_->read(p.name, p.value->numel(), offset, count, dm, dv);
    for (auto [suffix, dst] : {std::pair<const char*, bf16*>{".exp_avg", dm}, {".exp_avg_sq", dv}}) {
      const std::string name = p.name + suffix;
      const auto it = named_.find(name);
      RLVR_CHECK(it != named_.end(), "checkpoint", dir_, ": no optimizer moments of ", p.name);
      const Tensor t = it->second->load(name, p.value->shape(), DType::BF16);
      std::memcpy(dst, t.data<bf16>() + offset, size_t(count) * 2);
    }
  }

 private:
  void add_named(const fs::path& file) {
    auto f = SafetensorsFile::open(file.string());
    for (const std::string& name : f->names()) named_[name] = f;
  }

  std::string dir_;
  std::unique_ptr<parallel::ZeroMoments> zero_;
  std::map<std::string, std::shared_ptr<SafetensorsFile>> named_;
};

// Reads every moment of params (whole parameters) into m[i], v[i], wherever they live.
void read_whole(CheckpointMoments& src, const std::vector<model::ParamRef>& params, std::vector<Tensor>& m,
                std::vector<Tensor>& v) {
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor hm = m[i].to(Device::CPU), hv = v[i].to(Device::CPU);
    src.read(params[i], 0, params[i].value->numel(), hm, hv, 0);
    m[i] = hm.to(m[i].device());
    v[i] = hv.to(v[i].device());
  }
}

}  // namespace

void AdamW::write_state(const fs::path& ckpt_dir) {
  if (!sharded_) {
    TensorMap moments;
    for (const auto& [name, t] : state()) moments.emplace(name, *t);
    save_safetensors((ckpt_dir / kSingleFile).string(), moments);
    return;
  }
  parallel::OptimizerShard s;
  s.layout = sharded_->layout();
  s.rank = rank_;
  s.step = step_;
  s.params = manifest();
  s.master = sharded_->master();
  s.exp_avg = sharded_->exp_avg();
  s.exp_avg_sq = sharded_->exp_avg_sq();
  parallel::save_optimizer_shard((ckpt_dir / kShardDir).string(), s);
  if (local_.empty()) return;
  TensorMap moments;
  for (const auto& [name, t] : state()) moments.emplace(name, *t);
  save_safetensors((ckpt_dir / kShardDir / experts_file_name(rank_, s.layout.world)).string(), moments);
}

void AdamW::read_state(const fs::path& ckpt_dir) {
  const fs::path shard_dir = ckpt_dir / kShardDir, single = ckpt_dir / kSingleFile;
  const bool have_shards = fs::is_directory(shard_dir);
  RLVR_CHECK(have_shards || fs::exists(single), "checkpoint", ckpt_dir.string(), ": neither ", kSingleFile, " nor ",
             kShardDir, "/ is there");
  // The same parameter split at any world size: ZeRO-1 re-cuts its slices itself.
  bool experts_files = false;
  if (have_shards)
    for (const auto& e : fs::directory_iterator(shard_dir))
      experts_files |= e.path().filename().string().starts_with(kExpertsPrefix);
  if (sharded_ && have_shards && local_.empty() && !experts_files) return sharded_->load(shard_dir.string());
  read_moments(ckpt_dir);
}

void AdamW::read_moments(const fs::path& ckpt_dir) {
  CheckpointMoments src(ckpt_dir);
  if (!sharded_) return read_whole(src, params_, m_, v_);
  read_whole(src, local_, local_m_, local_v_);
  // This rank's ZeRO-1 slice, piece by piece; the masters follow the weights the caller loaded.
  std::vector<int64_t> numels;
  for (const model::ParamRef& p : params_) numels.push_back(p.value->numel());
  const std::vector<int64_t> offsets = parallel::flat_offsets(numels);
  Tensor m = sharded_->exp_avg(), v = sharded_->exp_avg_sq(), master = sharded_->master();
  const bool on_device = master.device() != Device::CPU;  // a shard on the GPU is filled on the host
  if (on_device) m = m.to(Device::CPU), v = v.to(Device::CPU), master = master.to(Device::CPU);
  for (const parallel::ShardPiece& piece : parallel::pieces_of_rank(sharded_->layout(), offsets, rank_)) {
    const model::ParamRef& p = params_[piece.param];
    const Tensor value = p.value->to(Device::CPU);
    std::memcpy(master.data<float>() + piece.shard_offset, value.data<float>() + piece.param_offset,
                size_t(piece.count) * 4);
    src.read(p, piece.param_offset, piece.count, m, v, piece.shard_offset);
  }
  if (!on_device || m.numel() == 0) return;
  sharded_->exp_avg().copy_(m);
  sharded_->exp_avg_sq().copy_(v);
  sharded_->master().copy_(master);
}

}  // namespace rlvr::trainer
