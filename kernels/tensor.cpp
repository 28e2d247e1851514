// Tensor storage, views, conversions and the argument checks shared by every op.
#include "kernels/tensor.h"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "kernels/fp_codec.h"
#include "kernels/host_memory.h"
#include "kernels/ops_dispatch.h"

namespace rlvr {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

namespace {

std::atomic<size_t> host_in_use{0}, host_peak{0};

// Host tensors of the same sizes come and go every step. glibc maps large blocks afresh and hands
// freed heap tops back to the kernel, which zeroes every page again on the next use (18% of a CPU
// FP8 learner step, measured 2026-12-03): keep blocks up to 32 MiB (glibc's most) in the heap,
// and freed memory there for reuse.
[[maybe_unused]] const bool kHeapKeepsFreedBlocks = [] {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  return true;
}();

void count_host_allocation(size_t n) {
  const size_t now = host_in_use.fetch_add(n) + n;
  size_t peak = host_peak.load();
  while (now > peak && !host_peak.compare_exchange_weak(peak, now)) {
  }
}

std::shared_ptr<void> allocate(size_t bytes, Device device) {
  const size_t n = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
  if (device == Device::CPU) {
    void* p = std::aligned_alloc(64, n);
    RLVR_CHECK(p != nullptr, "kernels", "out of host memory allocating ", bytes, " bytes");
    count_host_allocation(n);
    return std::shared_ptr<void>(p, [n](void* q) {
      host_in_use.fetch_sub(n);
      std::free(q);
    });
  }
  return std::shared_ptr<void>(cuda_malloc(n), [](void* q) { cuda_free(q); });
}

}  // namespace

HostMemoryStats host_memory_stats() { return {host_in_use.load(), host_peak.load()}; }

void reset_host_memory_peak() { host_peak.store(host_in_use.load()); }

Tensor Tensor::empty(Shape shape, DType dtype, Device device) {
  for (int64_t d : shape) RLVR_CHECK(d >= 0, "kernels", "negative dimension in shape ", shape_str(shape));
  Tensor t;
  t.shape_ = std::move(shape);
  t.dtype_ = dtype;
  t.device_ = device;
  t.storage_ = allocate(t.nbytes(), device);
  return t;
}

Tensor Tensor::zeros(Shape shape, DType dtype, Device device) {
  Tensor t = empty(std::move(shape), dtype, device);
  t.zero_();
  return t;
}

void Tensor::zero_() {
  if (device_ == Device::CPU) std::memset(raw(), 0, nbytes());
  else cuda_memset_zero(raw(), nbytes());
}

Tensor Tensor::from_floats(Shape shape, const std::vector<float>& values, DType dtype) {
  RLVR_CHECK(shape_numel(shape) == int64_t(values.size()), "kernels", "from_floats: shape ",
             shape_str(shape), " holds ", shape_numel(shape), " values, got ", values.size());
  Tensor f = empty(std::move(shape), DType::F32);
  std::memcpy(f.raw(), values.data(), values.size() * sizeof(float));
  return dtype == DType::F32 ? f : f.to(dtype);
}

int64_t Tensor::dim(int i) const {
  const int n = ndim();
  const int j = i < 0 ? i + n : i;
  RLVR_CHECK(j >= 0 && j < n, "kernels", "dim ", i, " out of range for ", describe());
  return shape_[j];
}

void Tensor::check_type(DType t) const {
  RLVR_CHECK(defined(), "kernels", "access to an undefined tensor");
  RLVR_CHECK(t == dtype_, "kernels", "tensor ", describe(), " accessed as ", dtype_name(t));
}

Tensor Tensor::reshape(Shape shape) const {
  RLVR_CHECK(shape_numel(shape) == numel(), "kernels", "reshape ", describe(), " to ", shape_str(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::slice_rows(int64_t begin, int64_t end) const {
  RLVR_CHECK(ndim() >= 1 && 0 <= begin && begin <= end && end <= shape_[0], "kernels",
             "slice_rows [", begin, ", ", end, ") of ", describe());
  Tensor t = *this;
  const int64_t row = shape_[0] == 0 ? 0 : numel() / shape_[0];
  t.offset_ += size_t(begin * row) * dtype_size(dtype_);
  t.shape_[0] = end - begin;
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape_, dtype_, device_);
  t.copy_(*this);
  return t;
}

Tensor Tensor::to(Device device) const {
  if (device == device_) return *this;
  Tensor t = empty(shape_, dtype_, device);
  cuda_copy(t.raw(), raw(), nbytes(), device, device_);
  return t;
}

std::vector<float> Tensor::to_floats() const {
  check_cpu("to_floats", *this, "tensor");
  std::vector<float> out(static_cast<size_t>(numel()));
  const int64_t n = numel();
  switch (dtype_) {
    case DType::F32: std::memcpy(out.data(), raw(), nbytes()); break;
    case DType::BF16: for (int64_t i = 0; i < n; ++i) out[i] = to_float(data<bf16>()[i]); break;
    case DType::E4M3: for (int64_t i = 0; i < n; ++i) out[i] = to_float(data<fp8e4m3>()[i]); break;
    case DType::E5M2: for (int64_t i = 0; i < n; ++i) out[i] = to_float(data<fp8e5m2>()[i]); break;
    case DType::I32: for (int64_t i = 0; i < n; ++i) out[i] = float(data<int32_t>()[i]); break;
  }
  return out;
}

void Tensor::copy_(const Tensor& src) {
  RLVR_CHECK(defined() && src.defined() && src.shape() == shape_ && src.dtype() == dtype_, "kernels",
             "copy_: ", src.describe(), " into ", describe());
  if (device_ == Device::CPU && src.device() == Device::CPU) std::memcpy(raw(), src.raw(), nbytes());
  else cuda_copy(raw(), src.raw(), nbytes(), device_, src.device());
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  const char* op = "to(dtype)";
  const Device dev = detail::op_device(op, {{"tensor", this}});
  RLVR_CHECK(dtype != DType::I32 && dtype_ != DType::I32, "kernels", "no conversion between ",
             dtype_name(dtype_), " and ", dtype_name(dtype));
  Tensor t = empty(shape_, dtype, dev);
  detail::backend(dev, op).convert_dtype(t, *this);
  return t;
}

std::string Tensor::describe() const {
  if (!defined()) return "undefined";
  std::ostringstream os;
  os << dtype_name(dtype_) << shape_str(shape_) << " " << device_name(device_);
  return os.str();
}

void check_cpu(const char* op, const Tensor& t, const char* name) {
  RLVR_CHECK(t.defined(), "kernels", op, ": ", name, " is undefined");
  RLVR_CHECK(t.device() == Device::CPU, "kernels", op, ": ", name, " is ", t.describe(), ", expected cpu");
}

void check_dtype(const char* op, const Tensor& t, const char* name, DType want) {
  RLVR_CHECK(t.defined(), "kernels", op, ": ", name, " is undefined");
  RLVR_CHECK(t.dtype() == want, "kernels", op, ": ", name, " is ", t.describe(), ", expected dtype ",
             dtype_name(want));
}

void check_shape(const char* op, const Tensor& t, const char* name, const Shape& want) {
  RLVR_CHECK(t.defined(), "kernels", op, ": ", name, " is undefined");
  RLVR_CHECK(t.shape() == want, "kernels", op, ": ", name, " is ", t.describe(), ", expected shape ",
             shape_str(want));
}

void check_ndim(const char* op, const Tensor& t, const char* name, int want) {
  RLVR_CHECK(t.defined(), "kernels", op, ": ", name, " is undefined");
  RLVR_CHECK(t.ndim() == want, "kernels", op, ": ", name, " is ", t.describe(), ", expected ", want,
             " dimensions");
}

}  // namespace rlvr
