// Writes differential.json: seeded random texts of awkward characters and real words (every fourth as a pair with the
// next), with the ids, type ids, segment ids and spans that
// Hugging Face's Rust tokenizers library (the napi build @anush008/tokenizers) gives for three tokenizer.json files:
// all-MiniLM-L6-v2's WordPiece (from ../shared/refs), and the byte-level BPE and Unigram test tokenizers beside this
// folder. Spans are converted from code points to UTF-16 indices. Not part of the build; regenerate in this folder with
//   npm install @anush008/tokenizers@0.6.0 && node make_differential.cjs /path/to/shared/refs
const { Tokenizer } = require("@anush008/tokenizers");
const fs = require("fs");
const utf16 = require("../utf16.cjs");

const refs = process.argv[2] || __dirname + "/../../../../../../shared/refs";
const files = {
  wordpiece: refs + "/all-MiniLM-L6-v2/tokenizer.json",
  bpe: __dirname + "/../bpe/tokenizer.json",
  unigram: __dirname + "/../unigram/tokenizer.json",
};
const PARTS = ["a", "Z", "the", "Hello", "naïve", "Zürich", "don't", "3.14", "1,000", "e-mail", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000",
  "\u200b", "\u200d", "\ufeff", "\u0301", "\u0308", "e\u0301", "\ud83d\ude42", "\ud83d\udc4d\ud83c\udffd", "\ud83c\udde9\ud83c\uddea", "\u0001",
  "\u007f", "\u0085", "ﬁ", "½", "①", "ｆ", "\u1100\u1161\u11a8", "中", "日本", "한", "ال", "न्", "ส", "<s>", "</s>", "<mask>", "[MASK]", "[CLS]",
  "<pad>", "##", "Ġ", "▁", "'s", "-", "…", "“", "\\", "\"", "Ω", "Å", "ß", "İ", "ŉ", "ǅ", "\u00ad", "\u2028", "x".repeat(120)];

// mulberry32: a small seeded generator, so that the texts are the same on every run.
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


(async () => {
  const random = rng(20261124);
  const texts = [];
  for (let i = 0; i < 400; i++) {
    let t = "";
    const n = Math.floor(random() * 10);
    for (let k = 0; k < n; k++) t += PARTS[Math.floor(random() * PARTS.length)];
    texts.push(t);
  }
  // Every fourth text also as the first of a pair, with the next text as the second.
  const pairs = texts.map((t, i) => (i % 4 === 0 ? texts[(i + 1) % texts.length] : null));
  const out = { source: "tokenizers (Rust) 0.6.0 napi build @anush008/tokenizers, Tokenizer.encode with special tokens; spans in UTF-16", texts, pairs, results: {} };
  for (const [name, file] of Object.entries(files)) {
    const tok = Tokenizer.fromString(fs.readFileSync(file, "utf8"));
    out.results[name] = [];
    for (let i = 0; i < texts.length; i++) {
      const e = await tok.encode(texts[i], pairs[i]);
      const maps = [utf16(texts[i]), pairs[i] === null ? null : utf16(pairs[i])];
      const seq = e.getSequenceIds().map((x) => (x === null || x === undefined ? -1 : x));
      out.results[name].push({ ids: e.getIds(), type_ids: e.getTypeIds(), sequence_ids: seq,
        spans: e.getOffsets().map(([s, u], k) => (seq[k] < 0 ? [s, u] : [maps[seq[k]][s], maps[seq[k]][u]])) });
    }
  }
  fs.writeFileSync(__dirname + "/differential.json", JSON.stringify(out));
  console.log("texts", texts.length);
})();
