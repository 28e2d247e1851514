// The run's tokenizer and policy model, from [model]: a Hugging Face-style directory, or a tiny
// model initialized from [model.init] with a character tokenizer.
#pragma once

#include <memory>

#include "model/char_tokenizer.h"
#include "model/tokenizer.h"
#include "model/transformer.h"
#include "trainer/run_config.h"

namespace rlvr::trainer {

// The char tokenizer's configuration for a run (default alphabet: printable ASCII and newline).
CharTokenizerConfig char_tokenizer_config(const RunConfig& cfg);
std::unique_ptr<Tokenizer> make_tokenizer(const RunConfig& cfg);
// Loads model.path, or builds [model.init] (vocab_size 0: the tokenizer's) with seeded weights.
// With run.expert_parallel over `ranks` ranks, only rank `rank`'s share of the routed experts
// (an error names the key when they do not split evenly).
model::Transformer make_policy(const RunConfig& cfg, const Tokenizer& tokenizer, int rank = 0, int ranks = 1);

}  // namespace rlvr::trainer
