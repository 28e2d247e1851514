// CUDA quantization (every layout, the fused 128x1 quantize + transpose included, F32 and BF16
// inputs) against the CPU one, byte for byte, on random inputs of odd shapes.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "kernels/quantize.h"

using namespace rlvr;

TEST(QuantizeCuda, MatchesCpuBitForBit) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device: the CUDA quantizer is compiled but not run here";
  struct Case { int64_t R, C; QuantLayout layout; bool pow2; };
  const Case cases[] = {{1, 1, QuantLayout::Tile1x128, false},   {7, 300, QuantLayout::Tile1x128, false},
                        {130, 257, QuantLayout::Tile1x128, true}, {5, 7, QuantLayout::Block128x128, false},
                        {300, 200, QuantLayout::Block128x128, false}, {256, 640, QuantLayout::Block128x128, true},
                        {1, 1, QuantLayout::Tile128x1, false},      {7, 300, QuantLayout::Tile128x1, false},
                        {130, 257, QuantLayout::Tile128x1, true},   {256, 96, QuantLayout::Tile128x1, false}};
  for (const Case& c : cases) {
    std::mt19937 rng(uint32_t(c.R * 7 + c.C));
    std::normal_distribution<float> nd;
    std::vector<float> v(size_t(c.R * c.C));
    for (size_t i = 0; i < v.size(); ++i) v[i] = std::ldexp(nd(rng), int(i / 128 % 7) - 3);
    for (DType in : {DType::F32, DType::BF16}) {  // BF16 activations are quantized without widening first
      const Tensor x = Tensor::from_floats({c.R, c.C}, v).to(in);
      const QuantizedTensor cpu = quantize_fp8(x, c.layout, {c.pow2});
      const QuantizedTensor gpu = quantize_fp8(x.to(Device::CUDA), c.layout, {c.pow2});
      const Tensor gd = gpu.data.to(Device::CPU), gs = gpu.scales.to(Device::CPU);
      SCOPED_TRACE(::testing::Message() << c.R << "x" << c.C << " " << dtype_name(in));
      ASSERT_EQ(gs.shape(), cpu.scales.shape());
      ASSERT_EQ(std::memcmp(gd.raw(), cpu.data.raw(), cpu.data.nbytes()), 0);
      ASSERT_EQ(std::memcmp(gs.raw(), cpu.scales.raw(), cpu.scales.nbytes()), 0);
    }
  }
}
