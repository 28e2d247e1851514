// `rlvr score`: per-token log-probabilities of token sequences under a model directory.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/device_option.h"
#include "cli/jsonl_io.h"
#include "model/token_logprobs.h"
#include "model/transformer.h"

namespace rlvr::cli {

int cmd_score(const std::vector<std::string>& argv) {
  const Args args(argv, {"--model", "--input", "--output", "--precision", "--batch-tokens", "--device"});
  const std::string model_dir = args.require("--model"), input = args.require("--input");
  const std::string output = args.require("--output");
  const model::Precision precision = model::parse_precision(args.get_or("--precision", "fp32"));
  const long batch_tokens = args.get_int("--batch-tokens", 4096);
  RLVR_CHECK(batch_tokens > 0, "cli", "--batch-tokens must be positive: ", batch_tokens);
  const Device device = parse_device_option(args.get_or("--device", "auto"));  // fails before the model loads
  model::Transformer m = model::Transformer::from_dir(model_dir);
  place_model(m, device);
  const int vocab = m.config().vocab_size;

  JsonlOutput out(output);
  std::vector<nlohmann::json> rows;
  std::vector<std::vector<int32_t>> seqs;
  int64_t pending = 0;
  auto flush = [&] {
    if (seqs.empty()) return;
    const auto logprobs = model::sequence_logprobs(m, model::Batch::pack(seqs), precision);
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i]["logprobs"] = logprobs[i];
      out.write(rows[i]);
    }
    rows.clear();
    seqs.clear();
    pending = 0;
  };
  for_each_jsonl_object(input, [&](nlohmann::json& row, const std::string& where) {
    RLVR_CHECK(row.contains("tokens") && row["tokens"].is_array(), "cli",
               "line needs a \"tokens\" list of token ids: ", where);
    std::vector<int32_t> tokens;
    for (const auto& t : row["tokens"]) {
      RLVR_CHECK(t.is_number_integer() && t.get<int64_t>() >= 0 && t.get<int64_t>() < vocab, "cli",
                 "token id out of the vocabulary: ", where, ": ", t.dump(), " (vocab_size ", vocab, ")");
      tokens.push_back(t.get<int32_t>());
    }
    RLVR_CHECK(tokens.size() >= 1, "cli", "empty token list: ", where);
    RLVR_CHECK(int64_t(tokens.size()) <= m.config().max_position_embeddings, "cli", "sequence longer than the context: ",
               where, ": ", tokens.size(), " tokens, max_position_embeddings ", m.config().max_position_embeddings);
    pending += int64_t(tokens.size());
    rows.push_back(std::move(row));
    seqs.push_back(std::move(tokens));
    if (pending >= batch_tokens) flush();
  });
  flush();
  out.commit();
  std::fprintf(stderr, "scored %lld sequences (%s, %s) -> %s\n", (long long)out.lines(), model::precision_name(precision),
               std::string(device_name(device)).c_str(), output.c_str());
  return 0;
}

}  // namespace rlvr::cli
