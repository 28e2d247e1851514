// A toy parameter set for the ZeRO-1 tests and its serial reference: rank q's gradient at a
// step is seeded by (q, step), so every rank can compute the averaged gradient and run plain
// AdamW (kernels/ops_adamw.h) on the whole parameters, which the sharded optimizer must match.
#pragma once

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "parallel/sharded_adamw.h"
#include "kernels/ops_adamw.h"

namespace rlvr::parallel::testing {

// Odd sizes so that slices cut through parameters; an empty one; one without weight decay.
inline const std::vector<Shape>& toy_shapes() {
  static const std::vector<Shape> shapes = {{3, 5}, {7}, {0}, {130}, {2, 64}, {1}};
  return shapes;
}

inline Tensor seeded(const Shape& shape, uint64_t seed, float scale) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n(0.0f, scale);
  std::vector<float> v(size_t(shape_numel(shape)));
  for (float& x : v) x = n(rng);
  return Tensor::from_floats(shape, v);
}

struct ToyModel {
  std::vector<Tensor> values, grads, m, v;  // m, v: the serial reference's moments
  std::vector<uint64_t> versions;

  explicit ToyModel(uint64_t seed) {
    for (size_t i = 0; i < toy_shapes().size(); ++i) {
      values.push_back(seeded(toy_shapes()[i], seed * 100 + i, 1.0f));
      grads.push_back(Tensor::zeros(toy_shapes()[i], DType::F32));
      m.push_back(Tensor::zeros(toy_shapes()[i], DType::BF16));
      v.push_back(Tensor::zeros(toy_shapes()[i], DType::BF16));
    }
    versions.assign(values.size(), 0);
  }
  static bool decays(size_t i) { return i != 1; }
  std::vector<ShardedParam> refs() {
    std::vector<ShardedParam> out;
    for (size_t i = 0; i < values.size(); ++i)
      out.push_back({"p" + std::to_string(i), &values[i], &grads[i], &versions[i], decays(i)});
    return out;
  }
  // This rank's gradient at a step.
  void fill_grads(int rank, int step) {
    for (size_t i = 0; i < grads.size(); ++i) grads[i] = seeded(toy_shapes()[i], 7777 + uint64_t(rank) * 1000 + uint64_t(step) * 10 + i, 0.5f);
  }
  // The serial step: averaged gradient over `world` ranks, clipped like ShardedAdamW, plain AdamW.
  void serial_step(int world, int step, AdamWParams hp, float max_grad_norm) {
    std::vector<Tensor> avg;
    double sq = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      Tensor g = Tensor::zeros(toy_shapes()[i], DType::F32);
      for (int q = 0; q < world; ++q) {
        const Tensor gq = seeded(toy_shapes()[i], 7777 + uint64_t(q) * 1000 + uint64_t(step) * 10 + i, 0.5f);
        for (int64_t k = 0; k < g.numel(); ++k) g.data<float>()[k] += gq.data<float>()[k];
      }
      for (int64_t k = 0; k < g.numel(); ++k) {
        g.data<float>()[k] *= 1.0f / float(world);
        sq += double(g.data<float>()[k]) * g.data<float>()[k];
      }
      avg.push_back(g);
    }
    const float norm = std::sqrt(float(sq));
    const float clip = max_grad_norm > 0 && norm > max_grad_norm ? max_grad_norm / (norm + 1e-6f) : 1.0f;
    for (size_t i = 0; i < values.size(); ++i) {
      if (clip != 1.0f)
        for (int64_t k = 0; k < avg[i].numel(); ++k) avg[i].data<float>()[k] *= clip;
      AdamWParams h = hp;
      if (!decays(i)) h.weight_decay = 0;
      if (values[i].numel() > 0) adamw_step(values[i], avg[i], m[i], v[i], h);
    }
  }
  // The reference's flat vectors (values, m, v) in manifest order.
  std::vector<float> flat(const std::vector<Tensor>& ts) const {
    std::vector<float> out;
    for (const Tensor& t : ts) {
      const std::vector<float> f = t.to_floats();
      out.insert(out.end(), f.begin(), f.end());
    }
    return out;
  }
};

}  // namespace rlvr::parallel::testing
