// Registers every subcommand in one place (listed here, not self-registered, so that the
// linker cannot drop one). Keep the list sorted by name.
#include "cli/commands.h"

namespace rlvr::cli {

int cmd_eval(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
int cmd_generate(const std::vector<std::string>& args);
int cmd_logs(const std::vector<std::string>& args);
int cmd_sandbox(const std::vector<std::string>& args);
int cmd_score(const std::vector<std::string>& args);
int cmd_tokenize(const std::vector<std::string>& args);
int cmd_train(const std::vector<std::string>& args);
int cmd_validate(const std::vector<std::string>& args);
int cmd_verify(const std::vector<std::string>& args);
int cmd_version(const std::vector<std::string>& args);

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"eval", "evaluate a checkpoint (or the config's model) on an eval set: generation, verifiers, summary",
       "rlvr eval run.toml [--checkpoint DIR|NAME] [--data FILE] [--run-dir DIR] [--set KEY=VALUE ...]", cmd_eval},
      {"export", "write a checkpoint as a Hugging Face model directory (config, weights, tokenizer)",
       "rlvr export CHECKPOINT --output DIR [--dtype bf16|fp32|fp8] [--max-shard-mb N] [--tokenizer PATH]",
       cmd_export},
      {"generate", "sample completions of prompts from a model (tokens, text, logprobs per line)", "rlvr generate --model DIR (--prompt TEXT | --input PROMPTS.jsonl) [--n G] [--max-new-tokens N] [--temperature T] [--top-p P] [--top-k K] [--seed S] [--precision fp8|bf16|fp32] [--stop STR ...] [--keep-stop] [--max-batch B] [--device auto|cpu|cuda] [--output OUT.jsonl]", cmd_generate},
      {"logs", "inspect a run: summary, samples (filters, groups, diffs), HTML report", "rlvr logs summary|show|diff|report RUN_DIR [options] (see `rlvr logs`)", cmd_logs},
      {"sandbox", "run a program in the sandbox, print the result as JSON",
       "rlvr sandbox run [--lang python] [--time-limit-s S] [--memory-mb M] [--stdin FILE] FILE", cmd_sandbox},
      {"score", "per-token log-probabilities of token sequences under a model",
       "rlvr score --model DIR --input IN.jsonl --output OUT.jsonl [--precision fp32|bf16|fp8] [--batch-tokens N] [--device auto|cpu|cuda]",
       cmd_score},
      {"tokenize", "token ids of each line's \"text\" (or, with --decode, the text of its \"tokens\")",
       "rlvr tokenize (--model DIR | --tokenizer FILE) --input IN.jsonl --output OUT.jsonl [--decode]", cmd_tokenize},
      {"train", "train a policy with SFT and GRPO from a run config",
       "rlvr train run.toml [--run-dir DIR] [--set KEY=VALUE ...] [--resume | --resume-from CHECKPOINT]", cmd_train},
      {"validate", "check a run config without running it",
       "rlvr validate run.toml [--set KEY=VALUE ...] [--no-file-checks] [--resolved] | rlvr validate --reference",
       cmd_validate},
      {"verify", "score a JSONL file with one verifier (reward, status, detail per line)",
       "rlvr verify --verifier NAME --input IN.jsonl [--output OUT.jsonl] [--option key=value ...] "
       "[--threads N] [--timeout SECONDS]",
       cmd_verify},
      {"version", "print the version and the backends compiled in", "rlvr version", cmd_version},
  };
  return table;
}

}  // namespace rlvr::cli
