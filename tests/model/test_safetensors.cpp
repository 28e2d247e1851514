// safetensors: the HF fixture loads and round-trips bit for bit; dtypes, metadata, shards and FP8
// weights round-trip; every kind of broken file gets an error naming the file and the problem.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "model/safetensors.h"

using namespace rlvr;
namespace fs = std::filesystem;

namespace {

const std::string kFixtureDir = std::string(RLVR_SOURCE_DIR) + "/data/hf_fixtures/qwen3_moe_tiny";

// A fresh temp directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "rlvr_st_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A file with the given header text (length taken from it unless forced) and data bytes.
std::string raw_file(const std::string& header, size_t data_bytes, std::optional<uint64_t> forced_len = {}) {
  const uint64_t len = forced_len.value_or(header.size());
  std::string out(8, '\0');
  std::memcpy(out.data(), &len, 8);
  return out + header + std::string(data_bytes, '\x01');
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

Tensor random_tensor(Shape shape, DType dtype, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, 3.f);
  std::vector<float> v(size_t(shape_numel(shape)));
  for (float& x : v) x = dist(rng);
  if (dtype == DType::I32) {
    Tensor t = Tensor::empty(shape, DType::I32);
    for (size_t i = 0; i < v.size(); ++i) t.data<int32_t>()[i] = int32_t(v[i] * 1000);
    return t;
  }
  return Tensor::from_floats(shape, v, dtype);
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

// The tensor names and shapes a Qwen3-MoE config implies.
std::map<std::string, Shape> expected_qwen3_moe_shapes(const nlohmann::json& c) {
  const int64_t h = c["hidden_size"], v = c["vocab_size"], hd = c["head_dim"], nh = c["num_attention_heads"];
  const int64_t nkv = c["num_key_value_heads"], ffn = c["intermediate_size"], moe = c["moe_intermediate_size"];
  const int64_t experts = c["num_local_experts"];
  std::set<int64_t> dense(c["mlp_only_layers"].begin(), c["mlp_only_layers"].end());
  std::map<std::string, Shape> s = {{"model.embed_tokens.weight", {v, h}}, {"lm_head.weight", {v, h}},
                                    {"model.norm.weight", {h}}};
  for (int64_t l = 0; l < int64_t(c["num_hidden_layers"]); ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    s[p + "input_layernorm.weight"] = {h};
    s[p + "post_attention_layernorm.weight"] = {h};
    s[p + "self_attn.q_proj.weight"] = {nh * hd, h};
    s[p + "self_attn.k_proj.weight"] = {nkv * hd, h};
    s[p + "self_attn.v_proj.weight"] = {nkv * hd, h};
    s[p + "self_attn.o_proj.weight"] = {h, nh * hd};
    s[p + "self_attn.q_norm.weight"] = {hd};
    s[p + "self_attn.k_norm.weight"] = {hd};
    if (dense.count(l)) {
      s[p + "mlp.gate_proj.weight"] = {ffn, h};
      s[p + "mlp.up_proj.weight"] = {ffn, h};
      s[p + "mlp.down_proj.weight"] = {h, ffn};
      continue;
    }
    s[p + "mlp.gate.weight"] = {experts, h};
    for (int64_t e = 0; e < experts; ++e) {
      const std::string x = p + "mlp.experts." + std::to_string(e) + ".";
      s[x + "gate_proj.weight"] = {moe, h};
      s[x + "up_proj.weight"] = {moe, h};
      s[x + "down_proj.weight"] = {h, moe};
    }
  }
  return s;
}

}  // namespace

TEST(Safetensors, HfFixtureMatchesConfig) {
  const nlohmann::json config = nlohmann::json::parse(std::ifstream(kFixtureDir + "/config.json"));
  const auto expected = expected_qwen3_moe_shapes(config);
  const WeightStore store = WeightStore::open(kFixtureDir);
  ASSERT_EQ(store.names().size(), expected.size());
  for (const auto& [name, shape] : expected) {
    ASSERT_TRUE(store.has(name)) << name;
    EXPECT_EQ(store.info(name).shape, shape) << name;
    EXPECT_EQ(store.info(name).dtype, StDType::F32) << name;  // config dtype float32
    EXPECT_EQ(store.load(name, shape, DType::F32).shape(), shape);
  }
  EXPECT_EQ(store.metadata().at("format"), "pt");
}

TEST(Safetensors, HfFixtureRoundTripsBitForBit) {
  TempDir tmp;
  const auto original = SafetensorsFile::open(kFixtureDir + "/model.safetensors");
  TensorMap all;
  for (const std::string& name : original->names()) all[name] = original->load(name);
  save_safetensors(tmp.file("copy.safetensors"), all, original->metadata());
  const auto copy = SafetensorsFile::open(tmp.file("copy.safetensors"));
  ASSERT_EQ(copy->names(), original->names());
  EXPECT_EQ(copy->metadata(), original->metadata());
  for (const std::string& name : original->names()) EXPECT_TRUE(same_bytes(copy->load(name), all[name])) << name;
  // The data section starts 8-byte aligned and nothing is left behind besides the file.
  uint64_t header_len = 0;
  std::ifstream(tmp.file("copy.safetensors"), std::ios::binary).read(reinterpret_cast<char*>(&header_len), 8);
  EXPECT_EQ(header_len % 8, 0u);
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()), 1);
}

TEST(Safetensors, EveryDtypeRoundTrips) {
  TempDir tmp;
  TensorMap tensors = {{"f32", random_tensor({3, 5}, DType::F32, 1)},   {"bf16", random_tensor({7}, DType::BF16, 2)},
                       {"e4m3", random_tensor({2, 3, 4}, DType::E4M3, 3)}, {"e5m2", random_tensor({9}, DType::E5M2, 4)},
                       {"i32", random_tensor({4, 1}, DType::I32, 5)},     {"empty", Tensor::empty({0, 4}, DType::F32)},
                       {"scalar", random_tensor({}, DType::F32, 6)}};
  save_safetensors(tmp.file("m.safetensors"), tensors, {{"step", "12"}});
  const auto file = SafetensorsFile::open(tmp.file("m.safetensors"));
  EXPECT_EQ(file->metadata().at("step"), "12");
  EXPECT_EQ(file->info("e4m3").dtype, StDType::F8_E4M3);
  for (const auto& [name, t] : tensors) EXPECT_TRUE(same_bytes(file->load(name), t)) << name;
}

TEST(Safetensors, ReadsF16AndI64) {
  TempDir tmp;
  // F16 values 1.0, -2.5, 2^-24 (smallest subnormal), inf; I64 values 7, -3.
  const uint16_t halves[] = {0x3c00, 0xc100, 0x0001, 0x7c00};
  const int64_t longs[] = {7, -3};
  const std::string header = R"({"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},)"
                             R"("l":{"dtype":"I64","shape":[2],"data_offsets":[8,24]}})";
  std::string bytes = raw_file(header, 0);
  bytes.append(reinterpret_cast<const char*>(halves), 8).append(reinterpret_cast<const char*>(longs), 16);
  write_bytes(tmp.file("x.safetensors"), bytes);
  const auto file = SafetensorsFile::open(tmp.file("x.safetensors"));
  EXPECT_EQ(file->load("h").to_floats(), (std::vector<float>{1.0f, -2.5f, std::ldexp(1.0f, -24), INFINITY}));
  const Tensor l = file->load("l", {2}, DType::I32);
  EXPECT_EQ(l.data<int32_t>()[0], 7);
  EXPECT_EQ(l.data<int32_t>()[1], -3);
}

TEST(Safetensors, ShardedSaveAndLoad) {
  TempDir tmp;
  TensorMap tensors;
  for (int i = 0; i < 6; ++i) tensors["w" + std::to_string(i)] = random_tensor({16, 16}, DType::F32, 10 + i);
  tensors["big"] = random_tensor({64, 64}, DType::F32, 99);  // larger than a shard: its own shard
  const auto shards = save_safetensors_sharded(tmp.path(), tensors, 2 * 16 * 16 * 4, {{"k", "v"}});
  EXPECT_EQ(shards.size(), 4u);  // big | w0 w1 | w2 w3 | w4 w5
  EXPECT_EQ(shards.front(), "model-00001-of-00004.safetensors");
  const WeightStore store = WeightStore::open(tmp.path());
  EXPECT_EQ(store.num_files(), 4u);
  EXPECT_EQ(store.metadata().at("k"), "v");
  for (const auto& [name, t] : tensors) EXPECT_TRUE(same_bytes(store.load(name), t)) << name;
  EXPECT_EQ(fs::path(store.file_of("w5")).filename(), "model-00004-of-00004.safetensors");
  const auto index = nlohmann::json::parse(std::ifstream(tmp.file("model.safetensors.index.json")));
  EXPECT_EQ(index["metadata"]["total_size"], 6 * 16 * 16 * 4 + 64 * 64 * 4);
}

TEST(Safetensors, Fp8WeightWithBlockScales) {
  TempDir tmp;
  const std::string name = "model.layers.0.mlp.down_proj.weight";
  TensorMap tensors = {{name, random_tensor({130, 256}, DType::E4M3, 7)},
                       {fp8_scale_name(name), random_tensor({2, 2}, DType::F32, 8)},
                       {"plain.weight", random_tensor({4, 4}, DType::BF16, 9)}};
  save_safetensors(tmp.file("model.safetensors"), tensors);
  const WeightStore store = WeightStore::open(tmp.path());
  EXPECT_TRUE(store.has_fp8(name));
  EXPECT_FALSE(store.has_fp8("plain.weight"));
  const Fp8Weight w = store.load_fp8(name, {130, 256});
  EXPECT_TRUE(same_bytes(w.weight, tensors[name]));
  EXPECT_TRUE(same_bytes(w.scale_inv, tensors[fp8_scale_name(name)]));
  EXPECT_NE(error_of([&] { store.load_fp8("plain.weight", {4, 4}); }).find("expected e4m3"), std::string::npos);
}

TEST(Safetensors, AtomicSaveReplacesAndLeavesNoTemp) {
  TempDir tmp;
  save_safetensors(tmp.file("m.safetensors"), {{"a", random_tensor({2}, DType::F32, 1)}});
  save_safetensors(tmp.file("m.safetensors"), {{"b", random_tensor({3}, DType::F32, 2)}});
  EXPECT_EQ(SafetensorsFile::open(tmp.file("m.safetensors"))->names(), std::vector<std::string>{"b"});
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()), 1);
  EXPECT_NE(error_of([&] { save_safetensors(tmp.file("no/such/dir/m.safetensors"), {}); }).find("no/such/dir"),
            std::string::npos);
}

struct BadFileCase {
  const char* label;
  std::string bytes;
  const char* expected;  // a fragment the message must contain
};

TEST(Safetensors, BadFilesGetClearErrors) {
  const std::string ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string two = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)";
  const std::vector<BadFileCase> cases = {
      {"shorter than 8 bytes", "abc", "shorter than the 8-byte header length"},
      {"header longer than file", raw_file(ok, 8, 1000), "larger than the file"},
      {"absurd header length", raw_file(ok, 8, uint64_t(1) << 40), "exceeds"},
      {"invalid JSON", raw_file(R"({"a": [1, 2)", 0), "invalid safetensors header JSON"},
      {"header not an object", raw_file("[1,2]", 0), "expected an object"},
      {"truncated data", raw_file(ok, 5), "run past the data section (5 bytes): truncated"},
      {"trailing bytes", raw_file(ok, 12), "4 bytes after the last tensor"},
      {"size mismatch", raw_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
       "'a' is F32[3] = 12 bytes but data_offsets [0,8] span 8 bytes"},
      {"bf16 size mismatch", raw_file(R"({"a":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,4]}})", 4),
       "BF16[2, 2] = 8 bytes"},
      {"unknown dtype", raw_file(R"({"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})", 8),
       "'a' has unsupported dtype \"C64\""},
      {"negative dim", raw_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
       "'a' field shape holds -2"},
      {"shape overflow",
       raw_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8), "overflows"},
      {"missing field", raw_file(R"({"a":{"dtype":"F32","shape":[2]}})", 8), "'a' has no 'data_offsets'"},
      {"offsets reversed", raw_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8),
       "end before they begin"},
      {"overlap", raw_file(two + R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
       "'b' data [4, 12) overlaps tensor 'a'"},
      {"gap", raw_file(two + R"("b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})", 16),
       "'b' data starts at 12 leaving a gap after offset 8"},
      {"duplicate name", raw_file(two + R"("a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 16),
       "names 'a' twice"},
      {"bad metadata", raw_file(R"({"__metadata__":{"k":3}})", 0), "__metadata__ 'k' is 3"},
      {"I64 out of range", raw_file(R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8),
       "does not fit the I32"},
  };
  TempDir tmp;
  for (const BadFileCase& c : cases) {
    const std::string path = tmp.file("bad.safetensors");
    write_bytes(path, c.bytes);
    const std::string message = error_of([&] {
      const auto f = SafetensorsFile::open(path);
      for (const std::string& name : f->names()) f->load(name);
    });
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.label << ": " << message;
    EXPECT_NE(message.find(path), std::string::npos) << c.label << " does not name the file: " << message;
  }
}

TEST(Safetensors, LookupErrorsNameFileAndTensor) {
  TempDir tmp;
  save_safetensors(tmp.file("m.safetensors"), {{"w", random_tensor({2, 3}, DType::BF16, 1)}});
  const auto f = SafetensorsFile::open(tmp.file("m.safetensors"));
  const std::vector<std::pair<std::function<void()>, std::string>> cases = {
      {[&] { f->load("nope"); }, "has no tensor 'nope'"},
      {[&] { f->load("w", {3, 2}, DType::BF16); }, "'w' has shape [2, 3], expected [3, 2]"},
      {[&] { f->load("w", {2, 3}, DType::F32); }, "'w' has dtype BF16 (loads as bf16), expected f32"},
      {[&] { SafetensorsFile::open(tmp.file("absent.safetensors")); }, "No such file"},
      {[&] { WeightStore::open(tmp.file("absent_dir")); }, "absent_dir"},
      {[&] { SafetensorsFile::open(tmp.path()); }, "is not a regular file"},
  };
  for (const auto& [call, fragment] : cases) {
    const std::string message = error_of(call);
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

TEST(Safetensors, BadIndexGetsClearErrors) {
  TempDir tmp;
  save_safetensors(tmp.file("part-1.safetensors"), {{"a", random_tensor({2}, DType::F32, 1)}});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"weight_map": {"a": "part-1.safetensors", "b": "part-2.safetensors"}})",
       "shard 'part-2.safetensors' (holding 'b') does not exist"},
      {R"({"weight_map": {"c": "part-1.safetensors"}})", "'c' is mapped to 'part-1.safetensors' but that shard"},
      {R"({"weight_map": {"a": "../etc/passwd"}})", "expected a file name in the same directory"},
      {R"({"weight_map": {"a": 3}})", "weight_map['a'] is 3"},
      {R"({"metadata": {}})", "expected an object with a 'weight_map' object"},
      {R"({"weight_map": )", "invalid safetensors index JSON"},
  };
  for (const auto& [index, fragment] : cases) {
    write_bytes(tmp.file("model.safetensors.index.json"), index);
    const std::string message = error_of([&] { WeightStore::open(tmp.path()); });
    EXPECT_NE(message.find(fragment), std::string::npos) << index << ": " << message;
    EXPECT_NE(message.find("model.safetensors.index.json"), std::string::npos) << message;
  }
}
