// An owning, contiguous, row-major tensor: shape, dtype, device and shared storage.
// Views (reshape, leading-dimension slices) share storage; there are no strides.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "kernels/dtype.h"

namespace rlvr {

using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& s);
int64_t shape_numel(const Shape& s);

class Tensor {
 public:
  Tensor() = default;
  static Tensor empty(Shape shape, DType dtype, Device device = Device::CPU);
  static Tensor zeros(Shape shape, DType dtype, Device device = Device::CPU);
  // A CPU tensor holding a copy of values, converted to dtype (f32, bf16, e4m3, e5m2).
  static Tensor from_floats(Shape shape, const std::vector<float>& values, DType dtype = DType::F32);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int ndim() const { return int(shape_.size()); }
  int64_t dim(int i) const;  // negative i counts from the end
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return size_t(numel()) * dtype_size(dtype_); }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  bool is_cpu() const { return device_ == Device::CPU; }

  void* raw() { return static_cast<std::byte*>(storage_.get()) + offset_; }
  const void* raw() const { return static_cast<const std::byte*>(storage_.get()) + offset_; }
  template <typename T> T* data() { check_type(dtype_of<T>::value); return static_cast<T*>(raw()); }
  template <typename T> const T* data() const {
    check_type(dtype_of<T>::value);
    return static_cast<const T*>(raw());
  }

  Tensor reshape(Shape shape) const;                    // same storage, same numel
  Tensor slice_rows(int64_t begin, int64_t end) const;  // [begin, end) of the leading dim, shared
  Tensor clone() const;
  Tensor to(Device device) const;
  Tensor to(DType dtype) const;  // among f32/bf16/e4m3/e5m2 on the CPU; f32 <-> bf16 on CUDA
  void copy_(const Tensor& src);  // this = src: same shape and dtype, any two devices
  std::vector<float> to_floats() const;                 // CPU copy as floats (any float dtype)
  void zero_();

  std::string describe() const;  // e.g. "f32[4, 128] cpu"

 private:
  void check_type(DType t) const;
  Shape shape_;
  DType dtype_ = DType::F32;
  Device device_ = Device::CPU;
  std::shared_ptr<void> storage_;
  size_t offset_ = 0;
};

// Op argument checks: throw rlvr::Error naming the op and the offending tensors.
void check_cpu(const char* op, const Tensor& t, const char* name);
void check_dtype(const char* op, const Tensor& t, const char* name, DType want);
void check_shape(const char* op, const Tensor& t, const char* name, const Shape& want);
void check_ndim(const char* op, const Tensor& t, const char* name, int want);

// Device memory hooks, provided by kernels/cuda/ when the CUDA backend is built.
bool cuda_available();
// Makes device (local_rank mod the visible devices) current for this process: one GPU per rank.
void select_cuda_device(int local_rank);
void* cuda_malloc(size_t bytes);
void cuda_free(void* p);
void cuda_copy(void* dst, const void* src, size_t bytes, Device dst_dev, Device src_dev);
void cuda_memset_zero(void* p, size_t bytes);

}  // namespace rlvr
