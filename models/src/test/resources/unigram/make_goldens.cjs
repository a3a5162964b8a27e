// Writes goldens.json: ids, tokens, segment ids and spans of texts and pairs by Hugging Face's Rust tokenizers library
// (the napi build published as @anush008/tokenizers) on tokenizer.json, an implementation outside this project.
// Spans are converted from its code-point indices to UTF-16 indices, which attn4j's Token uses.
// Regenerate (not needed for the build; tokenizer.json as committed is what the tests hold attn4j to), in this folder,
// with Debian's sentencepiece 0.1.97 (apt install sentencepiece):
//   (cat corpus.txt corpus.txt corpus.txt; fold -w 200 -s /usr/share/common-licenses/GPL-3 | head -400) > /tmp/corpus.txt
//   spm_train --input=/tmp/corpus.txt --model_prefix=uni --vocab_size=1000 --model_type=unigram \
//     --character_coverage=0.9995 --hard_vocab_limit=false --normalization_rule_name=nmt_nfkc
//   /usr/bin/python3 make_tokenizer.py uni.model
//   npm install @anush008/tokenizers@0.6.0 && node make_goldens.cjs
const { Tokenizer } = require("@anush008/tokenizers");
const fs = require("fs");
const utf16 = require("../utf16.cjs");

const tok = Tokenizer.fromString(fs.readFileSync(__dirname + "/tokenizer.json", "utf8"));


const texts = [
  "Hello world!", "The quick brown fox jumps over the lazy dog.", "Der schnelle braune Fuchs springt über den faulen Hund.",
  "Быстрая коричневая лиса", "快速的棕色狐狸跳过了懒狗。", "日本の首都は東京です。", "서울은 대한민국의 수도입니다.",
  "الثعلب البني السريع", "नई दिल्ली भारत की राजधानी है।", "สุนัขจิ้งจอกสีน้ำตาล",
  "Full-width ｆｕｌｌｗｉｄｔｈ １２３ and ligatures ﬁ ﬂ ™ ½ ① ㎏", "Café naïve e\u0301te\u0301 Zu\u0308rich",
  " leading space", "trailing space ", "two  spaces   and\ttabs\tand\nnewlines\r\n", "nbsp\u00a0and\u3000ideographic space",
  "zero\u200bwidth\u200djoiner", "Emoji 🙂👍🏽 and flags 🇩🇪", "The <mask> sat on the mat.", "a<mask>b", "<s>already special</s>",
  "", "   ", "Numbers 3.14159, 2024-11-24, 1,000,000", "https://example.com/path?q=1&r=two#frag", "UPPER lower MiXeD",
  "supercalifragilisticexpialidocious", "x".repeat(200), "control\u0001chars\u007fhere", "“Quotes” — dashes – and … ellipses",
  "한국어 텍스트와 English mixed 中文", "\u1100\u1161\u11a8 jamo", "Ωmega ohm Ω and Å angstrom", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math",
];
const pairs = [["What is the capital of France?", "Paris is the capital of France."], ["Hello", "world"], ["", "only second"],
  ["Wie heißt du?", "Ich heiße Anna."]];

(async () => {
  const out = { source: "tokenizers (Rust) 0.6.0 napi build @anush008/tokenizers, Tokenizer.encode with special tokens; spans in UTF-16", cases: [] };
  for (const [a, b] of texts.map((t) => [t, null]).concat(pairs)) {
    const e = await tok.encode(a, b);
    const seq = e.getSequenceIds().map((x) => (x === null || x === undefined ? -1 : x));
    const maps = [utf16(a), b === null ? null : utf16(b)];
    const spans = e.getOffsets().map(([s, t], k) => (seq[k] < 0 ? [s, t] : [maps[seq[k]][s], maps[seq[k]][t]]));
    out.cases.push({ text: a, text_pair: b, ids: e.getIds(), tokens: e.getTokens(), type_ids: e.getTypeIds(), sequence_ids: seq, spans });
  }
  fs.writeFileSync(__dirname + "/goldens.json", JSON.stringify(out, null, 0));
  console.log("cases", out.cases.length);
})();

// Variants of the same tokenizer.json as other checkpoints write them: the pre-0.14 Metaspace flag, prepend_scheme
// "first" and "never", no split, WhitespaceSplit before Metaspace, <mask> matched in the normalized text, and the newer
// converters' Strip + Replace("▁") normalizer.
(async () => {
  const base = JSON.parse(fs.readFileSync(__dirname + "/tokenizer.json", "utf8"));
  const precompiled = base.normalizer.normalizers[0];
  const variants = {
    legacy: (j) => { j.pre_tokenizer = { type: "Metaspace", replacement: "\u2581", add_prefix_space: true }; },
    first: (j) => { j.pre_tokenizer.prepend_scheme = "first"; },
    never: (j) => { j.pre_tokenizer.prepend_scheme = "never"; },
    nosplit: (j) => { j.pre_tokenizer.split = false; },
    masknorm: (j) => { j.added_tokens[4].normalized = true; },
    wsplit: (j) => { j.pre_tokenizer = { type: "Sequence", pretokenizers: [{ type: "WhitespaceSplit" }, { type: "Metaspace", replacement: "\u2581", add_prefix_space: true }] }; },
    wsplitfirst: (j) => { j.pre_tokenizer = { type: "Sequence", pretokenizers: [{ type: "WhitespaceSplit" }, { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: true }] }; },
    strip: (j) => { j.normalizer = { type: "Sequence", normalizers: [precompiled, { type: "Strip", strip_left: false, strip_right: true },
      { type: "Replace", pattern: { Regex: " {2,}" }, content: "\u2581" }] }; },
  };
  const texts = ["Hello world!", "  two  leading, trailing  ", "a<mask>b <s>c", "The <mask> sat.", "Café  ﬁ ½", "", "\u0001x\ty\n", " <mask>z", "x \uff1cmask\uff1e y", "a  <mask>  b"];
  const out = { source: "tokenizers (Rust) 0.6.0 napi build @anush008/tokenizers; variants of tokenizer.json", variants: {} };
  for (const [name, edit] of Object.entries(variants)) {
    const j = JSON.parse(JSON.stringify(base));
    edit(j);
    const t = Tokenizer.fromString(JSON.stringify(j));
    out.variants[name] = { edit: JSON.stringify({ normalizer: j.normalizer.normalizers.slice(1), pre_tokenizer: j.pre_tokenizer, added_tokens: j.added_tokens }), cases: [] };
    for (const text of texts) {
      const e = await t.encode(text, null);
      const map = utf16(text);
      const seq = e.getSequenceIds().map((x) => (x === null || x === undefined ? -1 : x));
      out.variants[name].cases.push({ text, ids: e.getIds(), tokens: e.getTokens(), spans: e.getOffsets().map(([s, u], k) => (seq[k] < 0 ? [s, u] : [map[s], map[u]])) });
    }
  }
  fs.writeFileSync(__dirname + "/variants.json", JSON.stringify(out));
  console.log("variants", Object.keys(out.variants).length);
})();
