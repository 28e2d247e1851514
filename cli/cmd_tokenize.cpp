// `rlvr tokenize (--model DIR | --tokenizer FILE) --input IN.jsonl --output OUT.jsonl [--decode]`:
// each line's "text" gets "tokens" (ids, special tokens parsed, no BOS/EOS added), or with
// --decode each line's "tokens" gets "text". How users check a prompt template or a dataset.
#include <cstdio>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/jsonl_io.h"
#include "model/tokenizer.h"

namespace rlvr::cli {

namespace {

std::vector<TokenId> token_ids(const nlohmann::json& row, const std::string& where, int64_t vocab) {
  RLVR_CHECK(row.contains("tokens") && row["tokens"].is_array(), "cli", where, ": needs \"tokens\", a list of ids");
  std::vector<TokenId> ids;
  for (const auto& t : row["tokens"]) {
    RLVR_CHECK(t.is_number_integer() && t.get<int64_t>() >= 0 && t.get<int64_t>() < vocab, "cli", where,
               ": token id ", t.dump(), " outside the tokenizer's vocabulary (", vocab, " ids)");
    ids.push_back(t.get<TokenId>());
  }
  return ids;
}

}  // namespace

int cmd_tokenize(const std::vector<std::string>& argv) {
  const Args args(argv, {"--model", "--tokenizer", "--input", "--output"}, {"--decode"});
  RLVR_CHECK(args.has("--model") != args.has("--tokenizer"), "cli",
             "give one of --model DIR (its tokenizer.json or char_tokenizer.json) or --tokenizer FILE");
  const std::string source = args.has("--model") ? args.require("--model") : args.require("--tokenizer");
  const std::string input = args.require("--input");
  const bool decode = args.has("--decode");
  const std::unique_ptr<Tokenizer> tok = load_tokenizer(source);
  JsonlOutput out(args.require("--output"));
  for_each_jsonl_object(input, [&](nlohmann::json& row, const std::string& where) {
    if (!decode)
      RLVR_CHECK(row.contains("text") && row["text"].is_string(), "cli", where, ": needs \"text\", a string");
    try {
      if (decode)
        row["text"] = tok->decode(token_ids(row, where, tok->vocab_size()));
      else
        row["tokens"] = tok->encode(row["text"].get<std::string>(), SpecialText::Parse);
    } catch (const Error& e) {
      RLVR_FAIL("cli", cat(where, ": ", e.what()));
    }
    out.write(row);
  });
  out.commit();
  std::fprintf(stderr, "%s %lld lines -> %s\n", decode ? "decoded" : "tokenized", (long long)out.lines(),
               args.require("--output").c_str());
  return 0;
}

}  // namespace rlvr::cli
