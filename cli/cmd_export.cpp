// `rlvr export`: a checkpoint (or any model directory rlvr reads) as a Hugging Face directory:
// config.json and weights (model/hf_export.h), the tokenizer files and generation_config.json.
// Written into a temporary directory renamed into place: the output is whole or absent.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "model/atomic_file.h"
#include "model/hf_export.h"
#include "model/tokenizer.h"
#include "trainer/run_config.h"

namespace rlvr::cli {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// The files of a Hugging Face tokenizer that are copied when present (tokenizer.json is required).
constexpr const char* kTokenizerFiles[] = {"tokenizer.json",  "tokenizer_config.json", "special_tokens_map.json",
                                           "chat_template.jinja", "vocab.json",        "merges.txt"};

bool has_tokenizer(const fs::path& dir) {
  return fs::exists(dir / "tokenizer.json") || fs::exists(dir / "char_tokenizer.json");
}

// Where the tokenizer is: --tokenizer, the checkpoint itself, or the run config of the run that
// wrote it (RUN/checkpoints/step_N -> RUN/config.toml: model.tokenizer, "auto" = model.path).
std::string find_tokenizer(const Args& args, const fs::path& checkpoint) {
  if (const auto t = args.get("--tokenizer")) return *t;
  if (has_tokenizer(checkpoint)) return checkpoint.string();
  const fs::path run_config = checkpoint.parent_path().parent_path() / "config.toml";
  RLVR_CHECK(checkpoint.parent_path().filename() == "checkpoints" && fs::exists(run_config), "cli",
             "no tokenizer for ", checkpoint.string(), ": it holds no tokenizer.json or char_tokenizer.json and is not ",
             "RUN/checkpoints/step_N of a run with a config.toml; give --tokenizer PATH");
  trainer::LoadOptions options;
  options.check_files = false;
  const trainer::RunConfig cfg = trainer::load_run_config(run_config.string(), {}, options);
  const std::string source = cfg.model.tokenizer == "auto" ? cfg.model.path : cfg.model.tokenizer;
  RLVR_CHECK(cfg.model.tokenizer != "char" && fs::exists(source), "cli", "no tokenizer for ", checkpoint.string(),
             ": its run's ", run_config.string(), " names model.tokenizer '", cfg.model.tokenizer, "'",
             cfg.model.tokenizer == "auto" ? cat(" (model.path '", source, "')") : std::string(),
             ", which is not there; give --tokenizer PATH");
  return source;
}

// Copies the tokenizer's files into out; returns the directory they came from.
fs::path copy_tokenizer_files(const std::string& source, const fs::path& out) {
  const fs::path src(source);
  const fs::path dir = fs::is_directory(src) ? src : src.parent_path();
  if (src.filename() == "char_tokenizer.json" || (fs::is_directory(src) && !fs::exists(src / "tokenizer.json"))) {
    fs::copy_file(dir / "char_tokenizer.json", out / "char_tokenizer.json");
    return dir;
  }
  fs::copy_file(fs::is_directory(src) ? src / "tokenizer.json" : src, out / "tokenizer.json");
  for (const char* file : kTokenizerFiles)
    if (std::string(file) != "tokenizer.json" && fs::exists(dir / file)) fs::copy_file(dir / file, out / file);
  return dir;
}

// generation_config.json: the source's (sampling defaults kept) with every EOS id rlvr stops at
// (tokenizer_config, generation_config and config.json of the source together), BOS and PAD.
json generation_config(const fs::path& tokenizer_dir, const Tokenizer& tok) {
  json g = json::object();
  const fs::path source = tokenizer_dir / "generation_config.json";
  if (fs::exists(source)) {
    std::ifstream in(source);
    g = json::parse(in, nullptr, /*allow_exceptions=*/false);
    RLVR_CHECK(g.is_object(), "cli", source.string(), " is not a JSON object");
  }
  const SpecialTokens& s = tok.special_tokens();
  if (!s.eos.empty()) g["eos_token_id"] = s.eos.size() == 1 ? json(s.eos.front()) : json(s.eos);
  if (s.bos) g["bos_token_id"] = *s.bos;
  if (s.pad) g["pad_token_id"] = *s.pad;
  return g;
}

}  // namespace

int cmd_export(const std::vector<std::string>& argv) {
  const Args args(argv, {"--output", "--dtype", "--max-shard-mb", "--tokenizer"});
  RLVR_CHECK(args.positionals().size() == 1, "cli", "give one CHECKPOINT directory (checkpoints/step_N of a run)");
  const fs::path checkpoint(args.positionals().front());
  fs::path out(args.require("--output"));
  if (out.filename().empty()) out = out.parent_path();  // "dir/"
  model::HfExportOptions options;
  options.dtype = model::parse_precision(args.get_or("--dtype", "bf16"));
  const long shard_mb = args.get_int("--max-shard-mb", 5000);
  RLVR_CHECK(shard_mb > 0, "cli", "--max-shard-mb must be positive: ", shard_mb);
  options.max_shard_bytes = uint64_t(shard_mb) * 1'000'000;
  RLVR_CHECK(!fs::exists(out) || (fs::is_directory(out) && fs::is_empty(out)), "cli", "--output ", out.string(),
             " exists and is not an empty directory");
  const std::string tokenizer_source = find_tokenizer(args, checkpoint);

  model::Transformer m = model::Transformer::from_dir(checkpoint.string());
  const std::unique_ptr<Tokenizer> tok = load_tokenizer(tokenizer_source);
  RLVR_CHECK(tok->vocab_size() <= m.config().vocab_size, "cli", "the tokenizer at ", tokenizer_source, " has ",
             tok->vocab_size(), " tokens, more than the model's vocab_size ", m.config().vocab_size);

  const fs::path tmp = out.parent_path() / cat(".", out.filename().string(), ".tmp_export_", ::getpid());
  std::vector<std::string> files;
  try {
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    files = model::write_hf_model(m, tmp.string(), options);
    const fs::path tokenizer_dir = copy_tokenizer_files(tokenizer_source, tmp);
    write_file_atomic((tmp / "generation_config.json").string(), generation_config(tokenizer_dir, *tok).dump(2) + "\n");
    if (fs::exists(out)) fs::remove(out);  // empty, checked above
    fs::rename(tmp, out);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  std::fprintf(stderr, "exported %s as %s (%s, %zu weight file%s, tokenizer from %s) -> %s\n",
               checkpoint.string().c_str(), m.config().to_json().value("model_type", "?").c_str(),
               model::precision_name(options.dtype), files.size(), files.size() == 1 ? "" : "s",
               tokenizer_source.c_str(), out.string().c_str());
  return 0;
}

}  // namespace rlvr::cli
