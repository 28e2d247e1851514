// Hugging Face safetensors I/O: a memory-mapped reader that validates the header strictly, a
// WeightStore over one file or a sharded index, and an atomic (optionally sharded) writer.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernels/tensor.h"

namespace rlvr {

// The element types a safetensors file may declare that we read. F16 loads as F32 and I64 as
// I32 (range-checked); the others load as themselves.
enum class StDType : uint8_t { F32, BF16, F16, F8_E4M3, F8_E5M2, I32, I64 };

std::string_view st_dtype_name(StDType t);  // the header spelling: "F32", "F8_E4M3", ...
size_t st_dtype_size(StDType t);
DType st_load_dtype(StDType t);             // the rlvr dtype load() returns

struct TensorInfo {
  std::string name;
  StDType dtype;
  Shape shape;
  uint64_t begin = 0;   // byte offsets in the data section (after the header)
  uint64_t end = 0;
  DType load_dtype() const { return st_load_dtype(dtype); }
};

// One .safetensors file, memory-mapped read-only for the object's lifetime. load() copies the
// bytes into an owning Tensor (NOTE: no zero-copy views, so a Tensor never outlives its mapping
// and a later rewrite of the file cannot change a loaded tensor). Every header defect throws an
// rlvr::Error naming the file and the tensor.
class SafetensorsFile {
 public:
  static std::shared_ptr<SafetensorsFile> open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  std::vector<std::string> names() const;  // sorted
  bool has(const std::string& name) const { return index_.count(name) > 0; }
  const TensorInfo& info(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  Tensor load(const std::string& name) const;
  // Also checks the shape and the loaded dtype, naming the file and tensor on a mismatch.
  Tensor load(const std::string& name, const Shape& expected_shape, DType expected_dtype) const;

 private:
  SafetensorsFile() = default;
  void parse_header(uint64_t header_len);
  std::string path_;
  const std::byte* map_ = nullptr;
  size_t map_size_ = 0;
  const std::byte* data_ = nullptr;  // start of the data section
  std::map<std::string, TensorInfo> index_;
  std::map<std::string, std::string> metadata_;
};

// An FP8 weight as fine-grained FP8 checkpoints (DeepSeek-V3, HF "fp8" quantization) store it:
// `<name>` E4M3 [N, K] and `<name>_scale_inv` F32 [ceil(N/128), ceil(K/128)], the per-block
// factor that multiplies the E4M3 values back to real ones.
struct Fp8Weight {
  Tensor weight;     // e4m3 [N, K]
  Tensor scale_inv;  // f32 [ceil(N/128), ceil(K/128)]
};
constexpr int64_t kFp8WeightBlock = 128;
std::string fp8_scale_name(const std::string& weight_name);  // "<name>_scale_inv"

// Named weights from a single file, a directory (model.safetensors.index.json, else
// model.safetensors) or an index file given directly.
class WeightStore {
 public:
  static WeightStore open(const std::string& path);

  std::vector<std::string> names() const;  // sorted, over all shards
  bool has(const std::string& name) const { return where_.count(name) > 0; }
  const TensorInfo& info(const std::string& name) const;
  const std::string& file_of(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  size_t num_files() const { return files_.size(); }

  Tensor load(const std::string& name) const;
  Tensor load(const std::string& name, const Shape& expected_shape, DType expected_dtype) const;
  // Loads `name` (E4M3 [N, K]) and its `<name>_scale_inv`, checking both shapes.
  Fp8Weight load_fp8(const std::string& name, const Shape& expected_shape) const;
  bool has_fp8(const std::string& name) const;

 private:
  const SafetensorsFile& file_for(const std::string& name) const;
  std::string origin_;  // what was opened, for messages
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::map<std::string, size_t> where_;  // tensor name -> index into files_
  std::map<std::string, std::string> metadata_;
};

using TensorMap = std::map<std::string, Tensor>;

// Writes tensors (CPU or CUDA; copied to the host) into one file atomically: a temp file in the
// same directory, fsync, rename over path, fsync of the directory. Header keys sorted by name,
// padded with spaces so the data section starts 8-byte aligned.
void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Writes `<prefix>-0000i-of-0000n.safetensors` shards of at most max_shard_bytes of tensor data
// each (a larger tensor gets a shard to itself) plus `<prefix>.safetensors.index.json`, into
// dir (created if absent); each file atomically, the index last. Returns the shard file names.
std::vector<std::string> save_safetensors_sharded(const std::string& dir, const TensorMap& tensors,
                                                  uint64_t max_shard_bytes,
                                                  const std::map<std::string, std::string>& metadata = {},
                                                  const std::string& prefix = "model");

// `<prefix>-0000i-of-0000n.safetensors` (index from 1), the name of a sharded checkpoint's file.
std::string safetensors_shard_name(const std::string& prefix, size_t index, size_t count);
// Writes `<prefix>.safetensors.index.json` into dir for the safetensors files named (in dir),
// mapping every tensor they hold to its file, atomically.
void write_safetensors_index(const std::string& dir, const std::vector<std::string>& files,
                             const std::string& prefix = "model");

}  // namespace rlvr
