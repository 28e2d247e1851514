// config_eos_ids: the EOS ids of a model directory's generation_config.json and config.json,
// which both the tokenizer loader and `rlvr generate` (without a tokenizer) use.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "model/tokenizer.h"

namespace rlvr {
namespace {

namespace fs = std::filesystem;

class TokenizerConfigIds : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rlvr_eos_ids_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(dir_ / name) << text; }
  std::string error(int64_t vocab_size) const {
    try {
      config_eos_ids(dir_.string(), vocab_size);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(TokenizerConfigIds, EveryFileNamingEosCounts) {
  EXPECT_TRUE(config_eos_ids(dir_.string(), 10).empty());
  write("config.json", R"({"eos_token_id": 5, "bos_token_id": 1})");
  EXPECT_EQ(config_eos_ids(dir_.string(), 10), (std::vector<TokenId>{5}));
  write("generation_config.json", R"({"eos_token_id": [7, 5, 2]})");
  EXPECT_EQ(config_eos_ids(dir_.string(), 10), (std::vector<TokenId>{2, 5, 7}));
  write("generation_config.json", R"({"eos_token_id": null})");
  EXPECT_EQ(config_eos_ids(dir_.string(), 10), (std::vector<TokenId>{5}));
}

TEST_F(TokenizerConfigIds, BadIdsNameTheFile) {
  const std::string config = (dir_ / "config.json").string(), generation = (dir_ / "generation_config.json").string();
  write("config.json", R"({"eos_token_id": "</s>"})");
  EXPECT_NE(error(10).find(config + R"(: eos_token_id "</s>" holds something that is not a token id)"), std::string::npos)
      << error(10);
  write("config.json", R"({"eos_token_id": [1, 2.5]})");
  EXPECT_NE(error(10).find(config + ": eos_token_id [1,2.5] holds something"), std::string::npos) << error(10);
  write("config.json", R"({"eos_token_id": 10})");
  EXPECT_NE(error(10).find(config + ": eos_token_id 10 holds something"), std::string::npos) << error(10);
  EXPECT_EQ(error(11), "");
  write("generation_config.json", "{not json");
  EXPECT_NE(error(11).find("invalid JSON: " + generation), std::string::npos) << error(11);
}

}  // namespace
}  // namespace rlvr
