package dev.attn4j.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BERT's WordPiece tokenizer with Hugging Face {@code BertTokenizer} semantics: text cleaning (control
 * characters dropped, every Unicode space a space), CJK ideographs split into single tokens, lower-casing and
 * accent stripping when the model is uncased, punctuation split, greedy longest-match WordPiece with
 * {@code ##} continuations, words longer than 100 characters to {@code [UNK]}. Special tokens written in the
 * text ({@code [MASK]}, ...) are matched first, exactly and case-sensitively. Every token keeps the span of
 * the original text it came from.
 *
 * <p>Immutable and thread-safe.
 *
 * <p>Stability: stable since 0.1.
 */
public final class BertTokenizer extends VocabularyTokenizer {
  /** Longest word WordPiece tries to split; longer words become {@code [UNK]} (Hugging Face's default). */
  public static final int MAX_WORD_CHARS = 100;
  private static final List<String> SPECIALS = List.of("[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]");

  private final boolean lowerCase;
  private final boolean stripAccents;
  private final boolean chineseChars;
  private final int unk;
  private final int cls;
  private final int sep;

  /**
   * A tokenizer over {@code vocabulary} (index = id).
   *
   * @param lowerCase lower-case the text ({@code do_lower_case})
   * @param stripAccents strip accents; {@code null} means "when lower-casing", as in Hugging Face
   * @param chineseChars put spaces around CJK ideographs ({@code tokenize_chinese_chars})
   * @throws IllegalArgumentException if a token repeats or {@code [UNK]}, {@code [CLS]}, {@code [SEP]} or {@code [PAD]} is missing
   */
  public BertTokenizer(List<String> vocabulary, boolean lowerCase, Boolean stripAccents, boolean chineseChars) {
    this(index(vocabulary), vocabulary.toArray(String[]::new), lowerCase, stripAccents, chineseChars);
  }

  private BertTokenizer(Map<String, Integer> vocab, String[] byId, boolean lowerCase, Boolean stripAccents, boolean chineseChars) {
    super(vocab, byId, required(vocab, "[PAD]"), vocab.getOrDefault("[MASK]", -1));
    this.lowerCase = lowerCase;
    this.stripAccents = stripAccents == null ? lowerCase : stripAccents;
    this.chineseChars = chineseChars;
    this.unk = required(vocab, "[UNK]");
    this.cls = required(vocab, "[CLS]");
    this.sep = required(vocab, "[SEP]");
  }

  /** Token to id of a vocabulary listed by id; a token listed twice is an error. */
  private static Map<String, Integer> index(List<String> vocabulary) {
    Map<String, Integer> v = new HashMap<>();
    for (int i = 0; i < vocabulary.size(); i++) {
      if (v.putIfAbsent(vocabulary.get(i), i) != null) {
        throw new IllegalArgumentException("vocabulary token '" + vocabulary.get(i) + "' appears twice (ids " + v.get(vocabulary.get(i)) + " and " + i + ")");
      }
    }
    return Collections.unmodifiableMap(v);
  }

  private static int required(Map<String, Integer> vocab, String token) {
    Integer id = vocab.get(token);
    if (id == null) {
      throw new IllegalArgumentException("vocabulary has no " + token + " token");
    }
    return id;
  }

  /**
   * Loads the tokenizer of a Hugging Face model folder: {@code vocab.txt} with {@code tokenizer_config.json}
   * when present, else {@code tokenizer.json} (a WordPiece model with a BERT normalizer).
   *
   * @throws ModelFormatException if neither exists or they are malformed or not WordPiece
   */
  public static BertTokenizer load(Path dir) throws IOException {
    Path vocabTxt = dir.resolve("vocab.txt");
    Path tokenizerJson = dir.resolve("tokenizer.json");
    if (Files.isRegularFile(vocabTxt)) {
      List<String> tokens = new ArrayList<>();
      for (String line : Files.readAllLines(vocabTxt, StandardCharsets.UTF_8)) {
        tokens.add(line.strip());
      }
      while (!tokens.isEmpty() && tokens.getLast().isEmpty()) {
        tokens.removeLast();
      }
      boolean lower = true;
      Boolean strip = null;
      boolean chinese = true;
      Path cfg = dir.resolve("tokenizer_config.json");
      if (Files.isRegularFile(cfg)) {
        JsonNode c = Json.readObject(cfg);
        lower = Json.bool(c, "do_lower_case", true, cfg);
        strip = Json.optionalBool(c, "strip_accents", cfg);
        chinese = Json.bool(c, "tokenize_chinese_chars", true, cfg);
      } else if (Files.isRegularFile(tokenizerJson)) {
        return normalized(tokens, Json.readObject(tokenizerJson).path("normalizer"), tokenizerJson, vocabTxt);
      }
      try {
        return new BertTokenizer(tokens, lower, strip, chinese);
      } catch (IllegalArgumentException e) {
        throw new ModelFormatException(vocabTxt + ": " + e.getMessage(), e);
      }
    }
    if (Files.isRegularFile(tokenizerJson)) {
      return fromTokenizerJson(tokenizerJson);
    }
    throw new ModelFormatException(dir + ": no tokenizer (vocab.txt, tokenizer.json, or vocab.json + merges.txt)");
  }

  /** Reads a Hugging Face {@code tokenizer.json} holding a WordPiece model. */
  public static BertTokenizer fromTokenizerJson(Path file) throws IOException {
    return fromTokenizerJson(file, Json.readObject(file));
  }

  /** {@link #fromTokenizerJson(Path)} of a file already parsed into {@code root}. */
  static BertTokenizer fromTokenizerJson(Path file, JsonNode root) throws ModelFormatException {
    JsonNode model = root.path("model");
    if (!"WordPiece".equals(model.path("type").asText())) {
      throw new ModelFormatException(file + ": model type '" + model.path("type").asText() + "' is not WordPiece");
    }
    if (!"##".equals(model.path("continuing_subword_prefix").asText("##"))) {
      throw new ModelFormatException(file + ": only the '##' continuing-subword prefix is supported");
    }
    JsonNode v = model.path("vocab");
    if (!v.isObject() || v.isEmpty()) {
      throw new ModelFormatException(file + ": model.vocab must be a non-empty object");
    }
    String[] tokens = new String[v.size()];
    for (var it = v.fields(); it.hasNext(); ) {
      var e = it.next();
      int id = e.getValue().asInt(-1);
      if (!e.getValue().isIntegralNumber() || id < 0 || id >= tokens.length || tokens[id] != null) {
        throw new ModelFormatException(file + ": vocabulary ids must be 0.." + (tokens.length - 1) + " without gaps or repeats; bad entry '" + e.getKey() + "'");
      }
      tokens[id] = e.getKey();
    }
    return normalized(List.of(tokens), root.path("normalizer"), file, file);
  }

  /**
   * A tokenizer over {@code tokens} (read from {@code vocabFile}) normalizing as a {@code tokenizer.json}'s
   * BertNormalizer {@code n} says.
   */
  private static BertTokenizer normalized(List<String> tokens, JsonNode n, Path tokenizerJson, Path vocabFile) throws ModelFormatException {
    boolean lower = Json.bool(n, "lowercase", true, tokenizerJson);
    Boolean strip = Json.optionalBool(n, "strip_accents", tokenizerJson);
    boolean chinese = Json.bool(n, "handle_chinese_chars", true, tokenizerJson);
    try {
      return new BertTokenizer(tokens, lower, strip, chinese);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(vocabFile + ": " + e.getMessage(), e);
    }
  }

  // ---- vocabulary ----------------------------------------------------------------------------

  /** Whether the text is lower-cased. */
  public boolean lowerCase() {
    return lowerCase;
  }

  // ---- encoding ------------------------------------------------------------------------------

  /**
   * {@code [CLS] text [SEP] (pair [SEP])}, truncated longest-first to {@code maxLength} tokens; token type 1 for the
   * pair.
   *
   * @param pair second segment, or null
   * @throws IllegalArgumentException if {@code maxLength} cannot even hold the special tokens
   */
  @Override
  public Encoding encode(String text, String pair, int maxLength) {
    int specials = pair == null ? 2 : 3;
    if (maxLength < specials) {
      throw new IllegalArgumentException("max length " + maxLength + " cannot hold the " + specials + " special tokens");
    }
    List<Token> a = new ArrayList<>(tokenize(text));
    List<Token> b = pair == null ? List.of() : new ArrayList<>(tokenize(pair));
    boolean truncated = Tokenizer.truncateLongestFirst(a, b, maxLength - specials);
    List<Token> tokens = new ArrayList<>(a.size() + b.size() + specials);
    tokens.add(new Token("[CLS]", cls, 0, 0));
    tokens.addAll(a);
    tokens.add(new Token("[SEP]", sep, 0, 0));
    if (pair != null) {
      tokens.addAll(b);
      tokens.add(new Token("[SEP]", sep, 0, 0));
    }
    int[] types = new int[tokens.size()];
    int[] seqIds = new int[tokens.size()];
    seqIds[0] = -1;
    for (int i = 1; i < tokens.size(); i++) {
      boolean second = i > a.size() + 1;
      types[i] = second ? 1 : 0;
      seqIds[i] = i == a.size() + 1 || i == tokens.size() - 1 && pair != null ? -1 : second ? 1 : 0;
    }
    return new Encoding(tokens, types, seqIds, truncated);
  }

  /** The WordPiece tokens of {@code text}, without special tokens added around them. */
  @Override
  public List<Token> tokenize(String text) {
    List<Token> out = new ArrayList<>();
    int from = 0;
    while (from <= text.length()) {
      // Special tokens written in the text are taken as they are, wherever they occur.
      int at = -1;
      String special = null;
      for (String s : SPECIALS) {
        int i = text.indexOf(s, from);
        if (i >= 0 && vocab.containsKey(s) && (at < 0 || i < at)) {
          at = i;
          special = s;
        }
      }
      int end = at < 0 ? text.length() : at;
      tokenizePlain(text, from, end, out);
      if (at < 0) {
        break;
      }
      out.add(new Token(special, vocab.get(special), at, at + special.length()));
      from = at + special.length();
    }
    return out;
  }

  /** Basic tokenization then WordPiece of {@code text[from, to)}. */
  private void tokenizePlain(String text, int from, int to, List<Token> out) {
    List<Word> words = new ArrayList<>();
    Word current = null;
    for (int i = from; i < to; ) {
      int cp = text.codePointAt(i);
      int next = i + Character.charCount(cp);
      if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
        i = next;
        continue;
      }
      if (isWhitespace(cp)) {
        current = null;
      } else if (chineseChars && isCjk(cp)) {
        words.add(new Word().add(cp, i, next));
        current = null;
      } else {
        if (current == null) {
          current = new Word();
          words.add(current);
        }
        current.add(cp, i, next);
      }
      i = next;
    }
    for (Word w : words) {
      Word normalized = normalize(w);
      for (Word piece : splitPunctuation(normalized)) {
        wordPiece(piece, out);
      }
    }
  }

  private Word normalize(Word w) {
    Word out = w;
    if (lowerCase) {
      String lowered = w.string().toLowerCase(Locale.ROOT);
      if (lowered.codePointCount(0, lowered.length()) == w.size()) {
        out = new Word();
        int k = 0;
        for (int i = 0; i < lowered.length(); ) {
          int cp = lowered.codePointAt(i);
          out.add(cp, w.start(k), w.end(k));
          k++;
          i += Character.charCount(cp);
        }
      } else {
        // Lower-casing changed the length (e.g. U+0130): map each character on its own.
        Word perChar = new Word();
        for (int k = 0; k < w.size(); k++) {
          String l = new String(Character.toChars(w.cp(k))).toLowerCase(Locale.ROOT);
          int s = w.start(k);
          int e = w.end(k);
          l.codePoints().forEach(cp -> perChar.add(cp, s, e));
        }
        out = perChar;
      }
    }
    if (stripAccents) {
      Word in = out;
      Word stripped = new Word();
      for (int k = 0; k < in.size(); k++) {
        String d = Normalizer.normalize(new String(Character.toChars(in.cp(k))), Normalizer.Form.NFD);
        int s = in.start(k);
        int e = in.end(k);
        d.codePoints().filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK).forEach(cp -> stripped.add(cp, s, e));
      }
      out = stripped;
    }
    return out;
  }

  private static List<Word> splitPunctuation(Word w) {
    List<Word> out = new ArrayList<>();
    Word current = null;
    for (int k = 0; k < w.size(); k++) {
      int cp = w.cp(k);
      if (isPunctuation(cp)) {
        out.add(new Word().add(cp, w.start(k), w.end(k)));
        current = null;
      } else {
        if (current == null) {
          current = new Word();
          out.add(current);
        }
        current.add(cp, w.start(k), w.end(k));
      }
    }
    return out;
  }

  private void wordPiece(Word w, List<Token> out) {
    int n = w.size();
    if (n == 0) {
      return;
    }
    if (n > MAX_WORD_CHARS) {
      out.add(new Token("[UNK]", unk, w.start(0), w.end(n - 1)));
      return;
    }
    int mark = out.size();
    int start = 0;
    while (start < n) {
      int end = n;
      String found = null;
      while (start < end) {
        String sub = (start > 0 ? "##" : "") + w.substring(start, end);
        if (vocab.containsKey(sub)) {
          found = sub;
          break;
        }
        end--;
      }
      if (found == null) {
        while (out.size() > mark) {
          out.removeLast();
        }
        out.add(new Token("[UNK]", unk, w.start(0), w.end(n - 1)));
        return;
      }
      out.add(new Token(found, vocab.get(found), w.start(start), w.end(end - 1)));
      start = end;
    }
  }

  // ---- character classes (as Hugging Face's BasicTokenizer defines them) ------------------------

  static boolean isWhitespace(int cp) {
    // Zl and Zp (U+2028, U+2029) too: Hugging Face's fast tokenizer tests Rust's char::is_whitespace and the slow one
    // splits with Python's str.split(), and both count them as white space.
    return switch (cp) {
      case ' ', '\t', '\n', '\r' -> true;
      default -> switch (Character.getType(cp)) {
        case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> true;
        default -> false;
      };
    };
  }

  static boolean isControl(int cp) {
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      return false;
    }
    int t = Character.getType(cp);
    return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED || t == Character.PRIVATE_USE || t == Character.SURROGATE;
  }

  static boolean isPunctuation(int cp) {
    if (cp >= 33 && cp <= 47 || cp >= 58 && cp <= 64 || cp >= 91 && cp <= 96 || cp >= 123 && cp <= 126) {
      return true;
    }
    return switch (Character.getType(cp)) {
      case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
          Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
      default -> false;
    };
  }

  static boolean isCjk(int cp) {
    return cp >= 0x4E00 && cp <= 0x9FFF || cp >= 0x3400 && cp <= 0x4DBF || cp >= 0x20000 && cp <= 0x2A6DF || cp >= 0x2A700 && cp <= 0x2B73F
        || cp >= 0x2B740 && cp <= 0x2B81F || cp >= 0x2B820 && cp <= 0x2CEAF || cp >= 0xF900 && cp <= 0xFAFF || cp >= 0x2F800 && cp <= 0x2FA1F;
  }

  /** Code points with the source span of each. */
  private static final class Word {
    private int[] cps = new int[8];
    private int[] starts = new int[8];
    private int[] ends = new int[8];
    private int size;

    Word add(int cp, int start, int end) {
      if (size == cps.length) {
        cps = java.util.Arrays.copyOf(cps, size * 2);
        starts = java.util.Arrays.copyOf(starts, size * 2);
        ends = java.util.Arrays.copyOf(ends, size * 2);
      }
      cps[size] = cp;
      starts[size] = start;
      ends[size] = end;
      size++;
      return this;
    }

    int size() {
      return size;
    }

    int cp(int k) {
      return cps[k];
    }

    int start(int k) {
      return starts[k];
    }

    int end(int k) {
      return ends[k];
    }

    String substring(int from, int to) {
      return new String(cps, from, to - from);
    }

    String string() {
      return substring(0, size);
    }
  }
}
