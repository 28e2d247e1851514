// Element types and devices of rlvr tensors, with their sizes and names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rlvr {

enum class DType : uint8_t { F32, BF16, E4M3, E5M2, I32 };
enum class Device : uint8_t { CPU, CUDA };

// Storage types: a BF16 or FP8 value is its bit pattern.
struct bf16 { uint16_t bits; };
struct fp8e4m3 { uint8_t bits; };
struct fp8e5m2 { uint8_t bits; };

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: return 4;
    case DType::BF16: return 2;
    case DType::E4M3: return 1;
    case DType::E5M2: return 1;
    case DType::I32: return 4;
  }
  return 0;
}

constexpr std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "f32";
    case DType::BF16: return "bf16";
    case DType::E4M3: return "e4m3";
    case DType::E5M2: return "e5m2";
    case DType::I32: return "i32";
  }
  return "?";
}

constexpr std::string_view device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

template <typename T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::F32; };
template <> struct dtype_of<bf16> { static constexpr DType value = DType::BF16; };
template <> struct dtype_of<fp8e4m3> { static constexpr DType value = DType::E4M3; };
template <> struct dtype_of<fp8e5m2> { static constexpr DType value = DType::E5M2; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::I32; };

}  // namespace rlvr
