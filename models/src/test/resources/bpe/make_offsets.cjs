// Writes offsets.json: token ids and spans of every goldens.json text, by Hugging Face's Rust tokenizers library (the
// napi build published as @anush008/tokenizers), a second implementation outside this project and the one that
// reports offsets. Spans are converted from its code-point indices to UTF-16 indices, which attn4j's Token uses.
// Regenerate (not needed for the build), in this folder: npm install @anush008/tokenizers@0.6.0 && node make_offsets.cjs
const { Tokenizer } = require("@anush008/tokenizers");
const fs = require("fs");
const utf16 = require("../utf16.cjs");

const tok = Tokenizer.fromString(fs.readFileSync(__dirname + "/tokenizer.json", "utf8"));
const goldens = JSON.parse(fs.readFileSync(__dirname + "/goldens.json", "utf8"));


(async () => {
  const out = { source: "tokenizers (Rust) 0.6.0 napi build @anush008/tokenizers, Tokenizer.encode with special tokens; spans in UTF-16", cases: [] };
  const rows = goldens.single.map((c) => [c.text, null]).concat(goldens.pairs.map((c) => [c.text, c.text_pair]));
  for (const [a, b] of rows) {
    const e = await tok.encode(a, b);
    const seq = e.getSequenceIds();
    const maps = [utf16(a), b === null ? null : utf16(b)];
    const spans = e.getOffsets().map(([s, t], k) => (seq[k] === null || seq[k] === undefined ? [s, t] : [maps[seq[k]][s], maps[seq[k]][t]]));
    out.cases.push({ text: a, text_pair: b, ids: e.getIds(), sequence_ids: seq.map((x) => (x === null || x === undefined ? -1 : x)), spans });
  }
  fs.writeFileSync(__dirname + "/offsets.json", JSON.stringify(out));
  console.log("cases", out.cases.length);
})();
