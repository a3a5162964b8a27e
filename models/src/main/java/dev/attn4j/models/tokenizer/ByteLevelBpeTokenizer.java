package dev.attn4j.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte-level BPE, the tokenizer of RoBERTa and GPT-2, read from a Hugging Face {@code tokenizer.json} (or the
 * {@code vocab.json} and {@code merges.txt} of a slow RoBERTa tokenizer): added
 * tokens ({@code <s>}, {@code <mask>}, ...) matched first, the text split with GPT-2's pattern, each piece's UTF-8
 * bytes mapped to printable characters (a space becomes {@code Ġ}), merged by rank, and wrapped in the
 * post-processor's special tokens ({@code RobertaProcessing}, {@code BertProcessing} or
 * {@code TemplateProcessing}). Every byte has a token, so no text is unknown. Token spans are UTF-16 indices into the
 * original text; with {@code trim_offsets} (RoBERTa's default) a token's leading space is left out of its span, and
 * a token holding part of a character spans the whole character.
 *
 * <p>Immutable and thread-safe (the word cache is concurrent).
 *
 * <p>Stability: stable since 0.1.
 */
public final class ByteLevelBpeTokenizer extends TemplateTokenizer {
  /** GPT-2's pre-tokenization pattern (the ByteLevel pre-tokenizer's {@code use_regex}). */
  private static final Pattern SPLIT = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      Pattern.UNICODE_CHARACTER_CLASS);
  /** Words whose merges are remembered; beyond this many the cache stops growing (Hugging Face keeps 10,000). */
  private static final int CACHE_WORDS = 50_000;
  private static final char[] BYTE_CHARS = byteChars();

  private final Map<String, Integer> ranks;
  private final boolean addPrefixSpace;
  private final boolean trimOffsets;
  private final int unk;
  private final Map<String, String[]> cache = new ConcurrentHashMap<>();

  private ByteLevelBpeTokenizer(String[] byId, Map<String, Integer> vocab, Map<String, Integer> ranks, List<AddedToken> added, boolean addPrefixSpace,
      boolean trimOffsets, Template single, Template pair, int pad, int mask, int unk) {
    super(vocab, byId, added, single, pair, pad, mask);
    this.ranks = ranks;
    this.addPrefixSpace = addPrefixSpace;
    this.trimOffsets = trimOffsets;
    this.unk = unk;
  }

  /**
   * Reads the BPE model, added tokens, ByteLevel pre-tokenizer and post-processor of a parsed {@code tokenizer.json}.
   *
   * @throws ModelFormatException naming the file and the part attn4j cannot read or does not implement
   */
  static ByteLevelBpeTokenizer fromTokenizerJson(Path file, JsonNode root) throws ModelFormatException {
    return read(file, file, root);
  }

  /**
   * Reads the files a slow {@code RobertaTokenizer} saves: {@code vocab.json}, {@code merges.txt}, and, when present,
   * {@code tokenizer_config.json}, {@code special_tokens_map.json} and {@code added_tokens.json}; see
   * {@link SlowBpeFiles}.
   *
   * @throws ModelFormatException naming the file and the part attn4j cannot read or does not implement
   */
  static ByteLevelBpeTokenizer fromVocabAndMerges(Path dir) throws IOException {
    return read(dir.resolve(SlowBpeFiles.VOCAB), dir.resolve(SlowBpeFiles.MERGES), SlowBpeFiles.asTokenizerJson(dir));
  }

  /** The tokenizer a {@code tokenizer.json} tree describes; its vocabulary came from {@code file}, its merges from {@code mergesFile}. */
  private static ByteLevelBpeTokenizer read(Path file, Path mergesFile, JsonNode root) throws ModelFormatException {
    JsonNode model = root.path("model");
    if (!model.path("continuing_subword_prefix").asText("").isEmpty() || !model.path("end_of_word_suffix").asText("").isEmpty()
        || Json.bool(model, "byte_fallback", false, file) || !(model.path("dropout").isNull() || model.path("dropout").isMissingNode())) {
      throw new ModelFormatException(file + ": only plain byte-level BPE is supported (no subword prefix or suffix, byte fallback or dropout)");
    }
    JsonNode pre = root.path("pre_tokenizer");
    if (!"ByteLevel".equals(pre.path("type").asText()) || !Json.bool(pre, "use_regex", true, file)) {
      throw new ModelFormatException(file + ": a BPE tokenizer needs the ByteLevel pre-tokenizer with GPT-2's pattern, got " + pre);
    }
    if (!root.path("normalizer").isNull() && !root.path("normalizer").isMissingNode()) {
      throw new ModelFormatException(file + ": BPE with a normalizer (" + root.path("normalizer").path("type").asText() + ") is not supported");
    }
    JsonNode v = model.path("vocab");
    if (!v.isObject() || v.isEmpty()) {
      throw new ModelFormatException(file + ": model.vocab must be a non-empty object");
    }
    Map<String, Integer> vocab = new HashMap<>();
    List<String> byId = new ArrayList<>();
    for (var it = v.fields(); it.hasNext(); ) {
      var e = it.next();
      put(file, vocab, byId, e.getKey(), e.getValue());
    }
    List<AddedToken> added = new ArrayList<>();
    for (JsonNode a : root.path("added_tokens")) {
      String content = a.path("content").asText();
      if (content.isEmpty()) {
        throw new ModelFormatException(file + ": an added token has no content");
      }
      if (!vocab.containsKey(content) || vocab.get(content) != a.path("id").asInt(-1)) {
        put(file, vocab, byId, content, a.path("id"));
      }
      added.add(new AddedToken(content, vocab.get(content), Json.bool(a, "lstrip", false, file), Json.bool(a, "rstrip", false, file)));
    }
    for (int i = 0; i < byId.size(); i++) {
      if (byId.get(i) == null) {
        throw new ModelFormatException(file + ": vocabulary ids must have no gaps; id " + i + " has no token");
      }
    }
    Map<String, Integer> ranks = new HashMap<>();
    JsonNode merges = model.path("merges");
    for (int r = 0; r < merges.size(); r++) {
      JsonNode m = merges.get(r);
      String left;
      String right;
      if (m.isArray() && m.size() == 2) {
        left = m.get(0).asText();
        right = m.get(1).asText();
      } else {
        String[] parts = m.asText().split(" ");
        if (parts.length != 2) {
          throw new ModelFormatException(mergesFile + ": merge " + r + " is not two tokens: " + m);
        }
        left = parts[0];
        right = parts[1];
      }
      if (!vocab.containsKey(left) || !vocab.containsKey(right) || !vocab.containsKey(left + right)) {
        throw new ModelFormatException(mergesFile + ": merge " + r + " (" + left + " " + right + ") uses or makes a token outside the vocabulary");
      }
      ranks.putIfAbsent(left + ' ' + right, r);
    }
    JsonNode post = root.path("post_processor");
    Template[] templates = templates(file, post, vocab);
    boolean trim = Json.bool(post, "trim_offsets", Json.bool(pre, "trim_offsets", true, file), file);
    String unkToken = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
    int pad = idOf(vocab, "<pad>", "[PAD]", "<|endoftext|>");
    if (pad < 0) {
      throw new ModelFormatException(file + ": no padding token (<pad>, [PAD] or <|endoftext|>)");
    }
    return new ByteLevelBpeTokenizer(byId.toArray(String[]::new), Collections.unmodifiableMap(vocab), ranks, List.copyOf(added),
        Json.bool(pre, "add_prefix_space", false, file), trim, templates[0], templates[1], pad, idOf(vocab, "<mask>", "[MASK]"),
        unkToken == null ? -1 : vocab.getOrDefault(unkToken, -1));
  }

  private static void put(Path file, Map<String, Integer> vocab, List<String> byId, String token, JsonNode idNode) throws ModelFormatException {
    int id = idNode.asInt(-1);
    if (!idNode.isIntegralNumber() || id < 0 || id > 10_000_000) {
      throw new ModelFormatException(file + ": token '" + token + "' has no valid id: " + idNode);
    }
    while (byId.size() <= id) {
      byId.add(null);
    }
    if (byId.get(id) != null && !byId.get(id).equals(token) || vocab.containsKey(token) && vocab.get(token) != id) {
      throw new ModelFormatException(file + ": id " + id + " or token '" + token + "' appears twice");
    }
    byId.set(id, token);
    vocab.put(token, id);
  }

  /** GPT-2's table of a printable character per byte: printable Latin-1 bytes stand for themselves, the rest move past 255. */
  private static char[] byteChars() {
    char[] out = new char[256];
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF;
      out[b] = (char) (printable ? b : next++);
    }
    return out;
  }

  // ---- encoding ------------------------------------------------------------------------------

  /** Pre-tokenization and BPE of {@code text[from, to)}; {@code first}: whether a prefix space may be added here. */
  @Override
  void tokenizeSection(String text, int from, int to, boolean first, List<Token> out) {
    String part = text.substring(from, to);
    boolean prefixed = addPrefixSpace && first && !part.startsWith(" ");
    String split = prefixed ? " " + part : part;
    Matcher m = SPLIT.matcher(split);
    while (m.find()) {
      int start = m.start();
      String piece = m.group();
      // Byte b of the piece came from UTF-16 index charAt[b] of the piece; the prefix space maps onto the text's start.
      byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
      int[] charStart = new int[bytes.length + 1];
      int[] charEnd = new int[bytes.length];
      StringBuilder mapped = new StringBuilder(bytes.length);
      int b = 0;
      for (int i = 0; i < piece.length(); ) {
        int cp = piece.codePointAt(i);
        int next = i + Character.charCount(cp);
        int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; // its UTF-8 length (a lone surrogate encodes as '?': 1)
        n = Character.isSurrogate(piece.charAt(i)) && Character.charCount(cp) == 1 ? 1 : n;
        for (int k = 0; k < n; k++, b++) {
          charStart[b] = original(start + i, from, prefixed);
          charEnd[b] = original(start + next, from, prefixed);
          mapped.append(BYTE_CHARS[bytes[b] & 0xff]);
        }
        i = next;
      }
      int byteAt = 0;
      for (String symbol : merge(mapped.toString())) {
        Integer id = vocab.get(symbol);
        if (id == null && unk < 0) {
          throw new IllegalStateException("byte-level symbol '" + symbol + "' is not in the vocabulary and the model has no unk_token");
        }
        int len = symbol.length();
        int s = charStart[byteAt];
        int e = charEnd[byteAt + len - 1];
        if (trimOffsets) {
          // Hugging Face's ByteLevel offset trimming: a token's leading and trailing spaces are not part of its span,
          // except the one space added in front of the text, which was never in it.
          int lead = 0;
          while (lead < len && symbol.charAt(lead) == BYTE_CHARS[' ']) {
            lead++;
          }
          int trail = 0;
          while (trail < len && symbol.charAt(len - 1 - trail) == BYTE_CHARS[' ']) {
            trail++;
          }
          boolean addedSpace = prefixed && start == 0 && byteAt == 0;
          if (lead > 0 && !(addedSpace && lead == 1)) {
            s = Math.min(s + lead, e);
          }
          if (trail > 0 && e >= trail) {
            e = Math.max(e - trail, s);
          }
        }
        out.add(id == null ? new Token(byId[unk], unk, s, e) : new Token(symbol, id, s, e));
        byteAt += len;
      }
    }
  }

  /** The text index of index {@code i} of the (maybe space-prefixed) part starting at {@code from}. */
  private static int original(int i, int from, boolean prefixed) {
    return from + (prefixed ? Math.max(0, i - 1) : i);
  }

  /** The symbols of one pre-token (in byte characters) after applying the merges by rank. */
  private String[] merge(String word) {
    String[] cached = cache.get(word);
    if (cached != null) {
      return cached;
    }
    List<String> symbols = new ArrayList<>(word.length());
    for (int i = 0; i < word.length(); i++) {
      symbols.add(String.valueOf(word.charAt(i)));
    }
    while (symbols.size() > 1) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < symbols.size(); i++) {
        Integer r = ranks.get(symbols.get(i) + ' ' + symbols.get(i + 1));
        if (r != null && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) {
        break;
      }
      // Merge every occurrence of the best pair, left to right.
      String left = symbols.get(best);
      String right = symbols.get(best + 1);
      List<String> next = new ArrayList<>(symbols.size());
      for (int i = 0; i < symbols.size(); i++) {
        if (i + 1 < symbols.size() && symbols.get(i).equals(left) && symbols.get(i + 1).equals(right)) {
          next.add(left + right);
          i++;
        } else {
          next.add(symbols.get(i));
        }
      }
      symbols = next;
    }
    String[] out = symbols.toArray(String[]::new);
    if (cache.size() < CACHE_WORDS) {
      cache.put(word, out);
    }
    return out;
  }
}
