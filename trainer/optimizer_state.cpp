// AdamW's checkpoint files in both layouts: optimizer.safetensors (one process: moments by
// parameter name) and optimizer/ (ZeRO-1: one file per rank, parallel/optimizer_checkpoint.h).
// Either loads at any world size: the moments are cut into or gathered from per-parameter
// pieces of the flat layout.
#include <cstring>

#include "common/error.h"
#include "parallel/optimizer_checkpoint.h"
#include "model/safetensors.h"
#include "trainer/optimizer.h"

namespace fs = std::filesystem;

namespace rlvr::trainer {

namespace {

constexpr const char* kSingleFile = "optimizer.safetensors";
constexpr const char* kShardDir = "optimizer";

// Copies count BF16 moments between a parameter's tensor and a flat slice.
void copy_bf16(Tensor& dst, int64_t dst_off, const Tensor& src, int64_t src_off, int64_t count) {
  std::memcpy(static_cast<uint16_t*>(dst.raw()) + dst_off, static_cast<const uint16_t*>(src.raw()) + src_off,
              size_t(count) * 2);
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
}

void AdamW::read_state(const fs::path& ckpt_dir) {
  const fs::path shard_dir = ckpt_dir / kShardDir, single = ckpt_dir / kSingleFile;
  const bool have_shards = fs::is_directory(shard_dir);
  RLVR_CHECK(have_shards || fs::exists(single), "checkpoint", ckpt_dir.string(), ": neither ", kSingleFile, " nor ",
             kShardDir, "/ is there");
  std::vector<int64_t> numels;
  for (const model::ParamRef& p : params_) numels.push_back(p.value->numel());
  const std::vector<int64_t> offsets = parallel::flat_offsets(numels);

  if (sharded_ && have_shards) {
    sharded_->load(shard_dir.string());
    return;
  }
  if (sharded_) {
    // A one-process checkpoint resumed by several ranks: each cuts its slice out of the file.
    auto file = SafetensorsFile::open(single.string());
    const parallel::ShardLayout& layout = sharded_->layout();
    Tensor m = sharded_->exp_avg(), v = sharded_->exp_avg_sq(), master = sharded_->master();
    for (const parallel::ShardPiece& piece : parallel::pieces_of_rank(layout, offsets, rank_)) {
      const model::ParamRef& p = params_[piece.param];
      // The masters follow the weights the caller just loaded.
      std::memcpy(master.data<float>() + piece.shard_offset, p.value->data<float>() + piece.param_offset,
                  size_t(piece.count) * 4);
      for (auto [suffix, dst] : {std::pair<const char*, Tensor*>{".exp_avg", &m}, {".exp_avg_sq", &v}}) {
        const std::string name = p.name + suffix;
        RLVR_CHECK(file->has(name), "checkpoint", single.string(), ": missing tensor ", name);
        const Tensor t = file->load(name, p.value->shape(), DType::BF16);
        copy_bf16(*dst, piece.shard_offset, t, piece.param_offset, piece.count);
      }
    }
    return;
  }
  if (have_shards) {
    // A ZeRO-1 checkpoint resumed by one process: its whole state is the world-1 "slice".
    const parallel::ShardLayout whole = parallel::make_shard_layout(offsets.back(), 1);
    const parallel::OptimizerShard s = parallel::load_optimizer_shard(shard_dir.string(), whole, 0, manifest());
    for (size_t i = 0; i < params_.size(); ++i) {
      Tensor m = m_[i].to(Device::CPU), v = v_[i].to(Device::CPU);  // the same storage on the CPU
      copy_bf16(m, 0, s.exp_avg, offsets[i], numels[i]);
      copy_bf16(v, 0, s.exp_avg_sq, offsets[i], numels[i]);
      m_[i] = m.to(m_[i].device());
      v_[i] = v.to(v_[i].device());
    }
    return;
  }
  auto moments = SafetensorsFile::open(single.string());
  for (auto& [name, t] : state()) {
    RLVR_CHECK(moments->has(name), "checkpoint", single.string(), ": missing tensor ", name);
    *t = moments->load(name, t->shape(), DType::BF16).to(t->device());
  }
}

}  // namespace rlvr::trainer
