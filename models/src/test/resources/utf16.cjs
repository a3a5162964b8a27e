// The UTF-16 index of each code-point index of s, one past the end included: Hugging Face's Rust tokenizers report
// spans in code points, attn4j's Token in UTF-16 units. Shared by the scripts that write the tokenizer goldens.
module.exports = function utf16(s) {
  const at = [];
  let i = 0;
  for (const ch of s) {
    at.push(i);
    i += ch.length;
  }
  at.push(i);
  return at;
};
