// Output tensors with guard regions, as ggml's test-backend-ops has: each output is a slice_rows
// view into a larger buffer whose rows before and after the view hold NaN (i32: a sentinel), and
// after the op those rows must be untouched, which catches out-of-bounds writes on any backend
// (and an out-of-bounds read of an output turns results into NaN).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/tensor.h"

namespace rlvr::test {

// One run of an op (or a few) on one device: moves inputs there and hands out guarded outputs.
class GuardedRun {
 public:
  explicit GuardedRun(Device dev) : dev_(dev) {}

  Device dev() const { return dev_; }
  Tensor on(const Tensor& t) const { return t.to(dev_); }

  // Zeros of shape s on the device, inside guard rows (ops that accumulate start from zero).
  Tensor out(const Shape& s, DType dt = DType::F32) {
    RLVR_CHECK(!s.empty(), "test", "guarded outputs need at least one dimension");
    int64_t row_elems = 1;
    for (size_t i = 1; i < s.size(); ++i) row_elems *= s[i];
    const int64_t g = guard_rows(row_elems * int64_t(dtype_size(dt)));
    Shape buffer_shape = s;
    buffer_shape[0] += 2 * g;
    Tensor host = Tensor::empty(buffer_shape, dt);
    const std::vector<uint8_t> fill = fill_bytes(dt);
    auto* bytes = static_cast<uint8_t*>(host.raw());
    for (int64_t i = 0; i < host.numel(); ++i) std::memcpy(bytes + i * fill.size(), fill.data(), fill.size());
    host.slice_rows(g, g + s[0]).zero_();
    Tensor buffer = host.to(dev_);
    guarded_.push_back({buffer, g, s[0]});
    return buffer.slice_rows(g, g + s[0]);
  }

  // A guarded copy of t on the device, for ops that update a tensor in place.
  Tensor inout(const Tensor& t) {
    Tensor v = out(t.shape(), t.dtype());
    v.copy_(t);
    return v;
  }

  // Every guard row of every output still holds its fill; else names the first overwritten
  // element of the first damaged buffer.
  ::testing::AssertionResult guards_intact() const {
    for (size_t b = 0; b < guarded_.size(); ++b) {
      const Guarded& gb = guarded_[b];
      const Tensor host = gb.buffer.to(Device::CPU);
      const std::vector<uint8_t> fill = fill_bytes(host.dtype());
      const int64_t row_elems = host.numel() / host.dim(0), view_end = (gb.guard + gb.rows) * row_elems;
      const auto* bytes = static_cast<const uint8_t*>(host.raw());
      for (int64_t i = 0; i < host.numel(); ++i) {
        if (i == gb.guard * row_elems) i = view_end;  // skip the view itself
        if (i >= host.numel()) break;
        if (std::memcmp(bytes + i * fill.size(), fill.data(), fill.size()) == 0) continue;
        const float got = host.reshape({host.numel()}).slice_rows(i, i + 1).to_floats()[0];
        std::ostringstream hex;
        for (size_t k = fill.size(); k-- > 0;)  // little-endian: the high byte first
          hex << std::hex << std::setw(2) << std::setfill('0') << int(bytes[i * fill.size() + k]);
        return ::testing::AssertionFailure()
               << "output buffer " << b << " (" << host.describe() << ", view rows [" << gb.guard << ", "
               << gb.guard + gb.rows << ")): guard element " << i << (i < view_end ? " before" : " after")
               << " the view was overwritten with " << got << " (bits 0x" << hex.str() << ")";
      }
    }
    return ::testing::AssertionSuccess();
  }

 private:
  struct Guarded {
    Tensor buffer;
    int64_t guard, rows;  // guard rows on each side, rows of the view
  };

  // Enough whole rows for 64 guard bytes on each side, keeping the view 16-byte aligned as a
  // fresh allocation is (CUDA kernels may load 16 bytes at a time; misaligned views have their
  // own row in the cross-backend table).
  static int64_t guard_rows(int64_t row_bytes) {
    if (row_bytes == 0) return 1;
    int64_t g = 1;
    while (g * row_bytes < 64 || (g * row_bytes) % 16 != 0) ++g;
    return g;
  }

  // The bytes of one guard element: a signaling NaN of F32 and BF16 (arithmetic returns it
  // quiet, so even an out-of-bounds x += y, which leaves a NaN a NaN, changes the bytes), E4M3's
  // and E5M2's NaN, an unlikely i32.
  static std::vector<uint8_t> fill_bytes(DType dt) {
    const auto bytes_of = [](auto v) {
      std::vector<uint8_t> b(sizeof(v));
      std::memcpy(b.data(), &v, sizeof(v));
      return b;
    };
    switch (dt) {
      case DType::F32: return bytes_of(uint32_t(0x7fa0dead));
      case DType::BF16: return bytes_of(uint16_t(0x7f81));
      case DType::E4M3: return bytes_of(uint8_t(0x7f));
      case DType::E5M2: return bytes_of(uint8_t(0x7f));
      case DType::I32: return bytes_of(int32_t(0x7eadbeef));
    }
    return {};
  }

  Device dev_;
  std::vector<Guarded> guarded_;
};

}  // namespace rlvr::test
