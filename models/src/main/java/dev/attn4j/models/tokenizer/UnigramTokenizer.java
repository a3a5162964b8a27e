package dev.attn4j.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * SentencePiece Unigram, the tokenizer of XLM-RoBERTa and the multilingual models built on it (multilingual-e5,
 * paraphrase-multilingual-MiniLM), read from a Hugging Face {@code tokenizer.json}: added tokens matched first, then
 * each section normalized ({@code Precompiled} charsmap, {@code Replace}, {@code Strip}, in a {@code Sequence}), split on
 * whitespace if a {@code WhitespaceSplit} comes first, spaces turned into {@code ▁} with one put in front
 * ({@code Metaspace}), split before each {@code ▁}, and each piece cut
 * into the vocabulary's pieces that maximize the sum of their log-probabilities (Viterbi; a character no piece covers
 * is the unknown token, and unknown neighbours fuse into one). Token spans are UTF-16 indices into the original text,
 * mapped back through the normalization as Hugging Face maps them.
 *
 * <p>Immutable and thread-safe.
 *
 * <p>Stability: experimental since 0.3.
 */
public final class UnigramTokenizer extends TemplateTokenizer {
  /** Hugging Face's penalty under the lowest piece score for an unknown character. */
  private static final double UNKNOWN_PENALTY = 10.0;
  private static final Pattern SPACE = Pattern.compile(" ");

  /** The model's pieces (its vocabulary list, specials included) to their ids. */
  private final Map<String, Integer> pieces;
  private final double[] scores;
  private final int longestPiece;
  private final int unk;
  private final double unknownScore;
  private final List<Consumer<Normalized>> normalizers;
  private final int replacement;
  private final Prepend prepend;
  private final boolean split;
  private final boolean whitespaceSplit;
  /**
   * Added tokens marked {@code normalized}: matched in each section's normalized text rather than the raw one, the
   * longest first where two start at the same place ({@code <mask>} in XLM-R's file, so that a full-width form of it
   * matches too, and its lstrip takes the whitespace left after normalization).
   */
  private final List<AddedToken> normalizedAdded;

  /** When {@code Metaspace} puts its replacement in front of a section. */
  private enum Prepend { ALWAYS, FIRST, NEVER }

  private UnigramTokenizer(String[] byId, Map<String, Integer> vocab, Map<String, Integer> pieces, double[] scores, int unk, List<AddedToken> added,
      Template single, Template pair, int pad, int mask, List<Consumer<Normalized>> normalizers, int replacement, Prepend prepend, boolean split,
      boolean whitespaceSplit, List<AddedToken> normalizedAdded) {
    super(vocab, byId, added, single, pair, pad, mask);
    List<AddedToken> sorted = new ArrayList<>(normalizedAdded);
    sorted.sort(java.util.Comparator.comparingInt((AddedToken t) -> -t.content().length()));
    this.normalizedAdded = List.copyOf(sorted);
    this.pieces = pieces;
    this.scores = scores;
    this.longestPiece = pieces.keySet().stream().mapToInt(p -> p.codePointCount(0, p.length())).max().orElse(1);
    this.unk = unk;
    double min = Double.POSITIVE_INFINITY;
    for (double s : scores) {
      min = Math.min(min, s);
    }
    this.unknownScore = min - UNKNOWN_PENALTY;
    this.normalizers = normalizers;
    this.replacement = replacement;
    this.prepend = prepend;
    this.split = split;
    this.whitespaceSplit = whitespaceSplit;
  }

  /**
   * Reads the Unigram model, added tokens, normalizer, Metaspace pre-tokenizer and post-processor of a parsed
   * {@code tokenizer.json}.
   *
   * @throws ModelFormatException naming the file and the part attn4j cannot read or does not implement
   */
  static UnigramTokenizer fromTokenizerJson(Path file, JsonNode root) throws ModelFormatException {
    JsonNode model = root.path("model");
    if (Json.bool(model, "byte_fallback", false, file)) {
      throw new ModelFormatException(file + ": Unigram with byte_fallback is not supported");
    }
    JsonNode list = model.path("vocab");
    if (!list.isArray() || list.isEmpty()) {
      throw new ModelFormatException(file + ": model.vocab must be a non-empty list of [piece, score]");
    }
    Map<String, Integer> pieces = new HashMap<>();
    List<String> byId = new ArrayList<>();
    double[] scores = new double[list.size()];
    for (int i = 0; i < list.size(); i++) {
      JsonNode e = list.get(i);
      if (!e.isArray() || e.size() != 2 || !e.get(0).isTextual() || !e.get(1).isNumber() || !Double.isFinite(e.get(1).asDouble())) {
        throw new ModelFormatException(file + ": vocabulary entry " + i + " must be [piece, finite score], got " + e);
      }
      String piece = e.get(0).asText();
      if (piece.isEmpty() || pieces.putIfAbsent(piece, i) != null) {
        throw new ModelFormatException(file + ": vocabulary entry " + i + " ('" + piece + "') is empty or repeats an earlier piece");
      }
      byId.add(piece);
      scores[i] = e.get(1).asDouble();
    }
    JsonNode unkNode = model.path("unk_id");
    if (!unkNode.isIntegralNumber() || unkNode.asInt() < 0 || unkNode.asInt() >= list.size()) {
      throw new ModelFormatException(file + ": model.unk_id must be the id of a piece, got " + unkNode);
    }
    Map<String, Integer> vocab = new HashMap<>(pieces);
    List<AddedToken> added = new ArrayList<>();
    List<AddedToken> normalizedAdded = new ArrayList<>();
    for (JsonNode a : root.path("added_tokens")) {
      String content = a.path("content").asText("");
      JsonNode id = a.path("id");
      if (content.isEmpty() || !id.isIntegralNumber() || id.asInt() < 0) {
        throw new ModelFormatException(file + ": added token " + a + " needs a content and an id");
      }
      Integer known = vocab.get(content);
      if (known == null && id.asInt() == byId.size()) {
        vocab.put(content, byId.size());
        byId.add(content);
      } else if (known == null || known != id.asInt()) {
        throw new ModelFormatException(file + ": added token '" + content + "' has id " + id + ", the vocabulary says " + known);
      }
      if (Json.bool(a, "single_word", false, file)) {
        throw new ModelFormatException(file + ": added token '" + content + "' is single_word, which is not supported");
      }
      // Hugging Face's default for an added token is normalized unless it is special.
      boolean normalized = Json.bool(a, "normalized", !Json.bool(a, "special", false, file), file);
      (normalized ? normalizedAdded : added).add(new AddedToken(content, id.asInt(), Json.bool(a, "lstrip", false, file), Json.bool(a, "rstrip", false, file)));
    }
    List<Consumer<Normalized>> normalizers = new ArrayList<>();
    normalizers(file, root.path("normalizer"), normalizers);
    JsonNode pre = root.path("pre_tokenizer");
    // Some converters put WhitespaceSplit in front of Metaspace: words split on whitespace first, each its own piece.
    boolean whitespaceSplit = "Sequence".equals(pre.path("type").asText()) && pre.path("pretokenizers").size() == 2
        && "WhitespaceSplit".equals(pre.path("pretokenizers").get(0).path("type").asText());
    if (whitespaceSplit) {
      pre = pre.path("pretokenizers").get(1);
    }
    if (!"Metaspace".equals(pre.path("type").asText())) {
      throw new ModelFormatException(file + ": a Unigram tokenizer needs the Metaspace pre-tokenizer (alone or after WhitespaceSplit), got "
          + root.path("pre_tokenizer").path("type"));
    }
    String rep = pre.path("replacement").asText("\u2581");
    if (rep.codePointCount(0, rep.length()) != 1) {
      throw new ModelFormatException(file + ": Metaspace replacement must be one character, got '" + rep + "'");
    }
    Prepend prepend;
    if (pre.has("prepend_scheme")) {
      prepend = switch (pre.path("prepend_scheme").asText()) {
        case "always" -> Prepend.ALWAYS;
        case "first" -> Prepend.FIRST;
        case "never" -> Prepend.NEVER;
        default -> throw new ModelFormatException(file + ": Metaspace prepend_scheme " + pre.path("prepend_scheme") + " is not always, first or never");
      };
    } else {
      // tokenizers before 0.14 wrote a boolean.
      prepend = Json.bool(pre, "add_prefix_space", true, file) ? Prepend.ALWAYS : Prepend.NEVER;
    }
    Template[] templates = templates(file, root.path("post_processor"), vocab);
    return new UnigramTokenizer(byId.toArray(String[]::new), Collections.unmodifiableMap(vocab), Collections.unmodifiableMap(pieces), scores,
        unkNode.asInt(), added, templates[0], templates[1], idOf(vocab, "<pad>", "[PAD]"), idOf(vocab, "<mask>", "[MASK]"), List.copyOf(normalizers),
        rep.codePointAt(0), prepend, Json.bool(pre, "split", true, file), whitespaceSplit, normalizedAdded);
  }

  /** Appends the steps of normalizer {@code n} (null or missing: none). */
  private static void normalizers(Path file, JsonNode n, List<Consumer<Normalized>> out) throws ModelFormatException {
    if (n.isNull() || n.isMissingNode()) {
      return;
    }
    String type = n.path("type").asText();
    switch (type) {
      case "Sequence" -> {
        for (JsonNode step : n.path("normalizers")) {
          normalizers(file, step, out);
        }
      }
      case "Precompiled" -> {
        byte[] blob;
        try {
          blob = Base64.getDecoder().decode(n.path("precompiled_charsmap").asText(""));
        } catch (IllegalArgumentException e) {
          throw new ModelFormatException(file + ": precompiled_charsmap is not base64", e);
        }
        if (blob.length > 0) {
          out.add(Precompiled.parse(blob, file)::normalize);
        }
      }
      case "Replace" -> {
        JsonNode pattern = n.path("pattern");
        String content = n.path("content").asText("");
        Pattern p;
        try {
          p = pattern.has("Regex") ? Pattern.compile(pattern.path("Regex").asText()) : Pattern.compile(Pattern.quote(pattern.path("String").asText("")));
        } catch (PatternSyntaxException e) {
          throw new ModelFormatException(file + ": Replace pattern " + pattern + " is not a regular expression Java reads", e);
        }
        if (!pattern.has("Regex") && pattern.path("String").asText("").isEmpty()) {
          throw new ModelFormatException(file + ": Replace needs a non-empty pattern, got " + pattern);
        }
        out.add(normalized -> normalized.replace(p, content));
      }
      case "Strip" -> {
        boolean left = Json.bool(n, "strip_left", true, file);
        boolean right = Json.bool(n, "strip_right", true, file);
        out.add(normalized -> {
          int lead = 0;
          while (left && lead < normalized.length() && isWhitespace(normalized.codePoint(lead))) {
            lead++;
          }
          int trail = 0;
          while (right && trail < normalized.length() - lead && isWhitespace(normalized.codePoint(normalized.length() - 1 - trail))) {
            trail++;
          }
          normalized.strip(lead, trail);
        });
      }
      default -> throw new ModelFormatException(file + ": normalizer '" + type + "' is not supported with Unigram (Precompiled, Replace, Strip, Sequence)");
    }
  }

  @Override
  void tokenizeSection(String text, int from, int to, boolean first, List<Token> out) {
    Normalized n = Normalized.of(text, from, to);
    for (Consumer<Normalized> step : normalizers) {
      step.accept(n);
    }
    int from2 = 0;
    for (int i = 0; i < n.length() && !normalizedAdded.isEmpty(); ) {
      AddedToken hit = matchAt(n, i);
      if (hit == null) {
        i++;
        continue;
      }
      int start = i;
      int end = i + hit.content().codePointCount(0, hit.content().length());
      while (hit.lstrip() && start > from2 && isWhitespace(n.codePoint(start - 1))) {
        start--;
      }
      while (hit.rstrip() && end < n.length() && isWhitespace(n.codePoint(end))) {
        end++;
      }
      pretokenize(n.slice(from2, start), out);
      out.add(new Token(n.text(start, end), hit.id(), n.originalStart(start), n.originalEnd(end)));
      from2 = end;
      i = end;
    }
    pretokenize(from2 == 0 ? n : n.slice(from2, n.length()), out);
  }

  /** The normalized added token starting at code point {@code i} of {@code n} (the longest), or null. */
  private AddedToken matchAt(Normalized n, int i) {
    for (AddedToken t : normalizedAdded) {
      int len = t.content().codePointCount(0, t.content().length());
      if (i + len <= n.length() && n.text(i, i + len).equals(t.content())) {
        return t;
      }
    }
    return null;
  }

  /** The pre-tokenizers and the model on one normalized split. */
  private void pretokenize(Normalized n, List<Token> out) {
    if (n.length() == 0) {
      return;
    }
    if (!whitespaceSplit) {
      metaspace(n, out);
      return;
    }
    for (int i = 0; i < n.length(); ) {
      if (isWhitespace(n.codePoint(i))) {
        i++;
        continue;
      }
      int end = i;
      while (end < n.length() && !isWhitespace(n.codePoint(end))) {
        end++;
      }
      metaspace(n.slice(i, end), out);
      i = end;
    }
  }

  /** Metaspace and the model on one normalized piece: spaces to the replacement, one put in front, split before each. */
  private void metaspace(Normalized n, List<Token> out) {
    n.replace(SPACE, Character.toString(replacement));
    // "first" means the piece that starts the original text, as Hugging Face decides it from the alignment.
    if (n.length() > 0 && n.codePoint(0) != replacement && (prepend == Prepend.ALWAYS || prepend == Prepend.FIRST && n.originalStart(0) == 0)) {
      n.prepend(replacement);
    }
    // Split before each replacement character, which stays with the text after it.
    int start = 0;
    for (int i = 1; i <= n.length(); i++) {
      if (i == n.length() || split && n.codePoint(i) == replacement) {
        viterbi(n, start, i, out);
        start = i;
      }
    }
  }

  /** The best segmentation of the code points {@code [from, to)} of {@code n}. */
  private void viterbi(Normalized n, int from, int to, List<Token> out) {
    int len = to - from;
    if (len == 0) {
      return;
    }
    double[] best = new double[len + 1];
    int[] startsAt = new int[len + 1];
    int[] ids = new int[len + 1];
    java.util.Arrays.fill(startsAt, -1);
    startsAt[0] = 0;
    for (int s = 0; s < len; s++) {
      boolean single = false;
      for (int k = 1; k <= Math.min(longestPiece, len - s); k++) {
        Integer id = pieces.get(n.text(from + s, from + s + k));
        if (id == null) {
          continue;
        }
        double score = best[s] + scores[id];
        // Ties keep the shorter piece, found first, as Hugging Face's search does.
        if (startsAt[s + k] < 0 || score > best[s + k]) {
          best[s + k] = score;
          startsAt[s + k] = s;
          ids[s + k] = id;
        }
        single |= k == 1;
      }
      if (!single) {
        double score = best[s] + unknownScore;
        if (startsAt[s + 1] < 0 || score > best[s + 1]) {
          best[s + 1] = score;
          startsAt[s + 1] = s;
          ids[s + 1] = unk;
        }
      }
    }
    // Back from the end; neighbouring unknown pieces become one unknown token.
    List<int[]> spans = new ArrayList<>();
    for (int e = len; e > 0; ) {
      int s = startsAt[e];
      if (ids[e] == unk && !spans.isEmpty() && spans.getLast()[2] == unk && spans.getLast()[0] == e) {
        spans.getLast()[0] = s;
      } else {
        spans.add(new int[] {s, e, ids[e]});
      }
      e = s;
    }
    for (int i = spans.size() - 1; i >= 0; i--) {
      int[] sp = spans.get(i);
      out.add(new Token(n.text(from + sp[0], from + sp[1]), sp[2], n.originalStart(from + sp[0]), n.originalEnd(from + sp[1])));
    }
  }

  /** Hugging Face keeps the whitespace an added token's lstrip or rstrip swallowed in its text and span. */
  @Override
  Token addedToken(AddedToken hit, String text, int stripFrom, int at, int stripTo) {
    return new Token(text.substring(stripFrom, stripTo), hit.id(), stripFrom, stripTo);
  }
}
