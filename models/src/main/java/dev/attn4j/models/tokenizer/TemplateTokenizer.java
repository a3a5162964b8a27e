package dev.attn4j.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What the {@code tokenizer.json} pipelines share ({@link ByteLevelBpeTokenizer}, {@link UnigramTokenizer}): added
 * tokens ({@code <s>}, {@code <mask>}, ...) matched in the raw text first, with {@code lstrip}/{@code rstrip}
 * swallowing the whitespace beside them; the text between them handed to the model's own section tokenizer; the
 * post-processor's template ({@code RobertaProcessing}, {@code BertProcessing} or {@code TemplateProcessing}) around
 * the result, with longest-first truncation. Immutable; subclasses must stay immutable and thread-safe too.
 */
abstract class TemplateTokenizer extends VocabularyTokenizer {
  /** A token matched in the raw text before anything else; {@code lstrip}/{@code rstrip} swallow whitespace beside it. */
  record AddedToken(String content, int id, boolean lstrip, boolean rstrip) {}

  /** One item of a post-processor template: a special token, or segment A (0) or B (1); each with its token type. */
  record Piece(String special, int specialId, int segment, int typeId) {}

  /** The special tokens and segments of an encoding, in order. */
  record Template(List<Piece> pieces) {
    int specials() {
      return (int) pieces.stream().filter(p -> p.special() != null).count();
    }
  }

  /** Added tokens, the longest first where two start at the same place (as Hugging Face's matcher does). */
  final List<AddedToken> added;
  final Template single;
  final Template pair;

  TemplateTokenizer(Map<String, Integer> vocab, String[] byId, List<AddedToken> added, Template single, Template pair, int pad, int mask) {
    super(vocab, byId, pad, mask);
    List<AddedToken> sorted = new ArrayList<>(added);
    sorted.sort(Comparator.comparingInt((AddedToken t) -> -t.content().length()));
    this.added = List.copyOf(sorted);
    this.single = single;
    this.pair = pair;
  }

  /**
   * Appends the tokens of {@code text[from, to)}, a section between added tokens; {@code first}: whether it starts the
   * text (for a prefix space added only there).
   */
  abstract void tokenizeSection(String text, int from, int to, boolean first, List<Token> out);

  /**
   * The token of an added token found at {@code at}: {@code stripFrom} and {@code stripTo} take in the whitespace its
   * {@code lstrip} and {@code rstrip} swallowed. By default its content, spanning the content alone.
   */
  Token addedToken(AddedToken hit, String text, int stripFrom, int at, int stripTo) {
    return new Token(hit.content(), hit.id(), at, at + hit.content().length());
  }

  /** Unicode's White_Space, as Rust's {@code char::is_whitespace} (Hugging Face's test) has it. */
  static boolean isWhitespace(int c) {
    return c >= 0x9 && c <= 0xd || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 || c >= 0x2000 && c <= 0x200a || c == 0x2028 || c == 0x2029
        || c == 0x202f || c == 0x205f || c == 0x3000;
  }

  /** {@inheritDoc} The template's token types (RoBERTa: 0 throughout, so the model needs one token type). */
  @Override
  public Encoding encode(String text, String pairText, int maxLength) {
    Template t = pairText == null ? single : pair;
    if (maxLength < t.specials()) {
      throw new IllegalArgumentException("max length " + maxLength + " cannot hold the " + t.specials() + " special tokens");
    }
    List<Token> a = new ArrayList<>(tokenize(text));
    List<Token> b = pairText == null ? new ArrayList<>() : new ArrayList<>(tokenize(pairText));
    boolean truncated = Tokenizer.truncateLongestFirst(a, b, maxLength - t.specials());
    List<Token> tokens = new ArrayList<>();
    List<Integer> types = new ArrayList<>();
    List<Integer> sequences = new ArrayList<>();
    for (Piece p : t.pieces()) {
      List<Token> part = p.special() != null ? List.of(new Token(p.special(), p.specialId(), 0, 0)) : p.segment() == 0 ? a : b;
      for (Token tok : part) {
        tokens.add(tok);
        types.add(p.typeId());
        sequences.add(p.special() != null ? -1 : p.segment());
      }
    }
    return new Encoding(tokens, types.stream().mapToInt(Integer::intValue).toArray(), sequences.stream().mapToInt(Integer::intValue).toArray(), truncated);
  }

  @Override
  public List<Token> tokenize(String text) {
    List<Token> out = new ArrayList<>();
    int from = 0;
    boolean first = true;
    while (from <= text.length()) {
      int at = -1;
      AddedToken hit = null;
      for (AddedToken t : added) {
        int i = text.indexOf(t.content(), from);
        if (i >= 0 && (at < 0 || i < at)) {
          at = i;
          hit = t;
        }
      }
      int end = at < 0 ? text.length() : at;
      int next = at < 0 ? text.length() : at + hit.content().length();
      if (hit != null) {
        if (hit.lstrip()) {
          while (end > from && isWhitespace(text.charAt(end - 1))) {
            end--;
          }
        }
        if (hit.rstrip()) {
          while (next < text.length() && isWhitespace(text.charAt(next))) {
            next++;
          }
        }
      }
      if (end > from) {
        tokenizeSection(text, from, end, first, out);
        first = false;
      }
      if (hit == null) {
        break;
      }
      out.add(addedToken(hit, text, end, at, next));
      first = false;
      from = next;
    }
    return out;
  }

  static int idOf(Map<String, Integer> vocab, String... candidates) {
    for (String c : candidates) {
      if (vocab.containsKey(c)) {
        return vocab.get(c);
      }
    }
    return -1;
  }

  /** The single and pair templates of a post-processor. */
  static Template[] templates(Path file, JsonNode post, Map<String, Integer> vocab) throws ModelFormatException {
    String type = post.path("type").asText();
    switch (type) {
      case "RobertaProcessing", "BertProcessing" -> {
        Piece cls = special(file, post.path("cls"), vocab, 0);
        Piece sep = special(file, post.path("sep"), vocab, 0);
        if (type.equals("RobertaProcessing")) {
          // <s> A </s> </s> B </s>, every token of type 0.
          return new Template[] {new Template(List.of(cls, segment(0, 0), sep)),
              new Template(List.of(cls, segment(0, 0), sep, sep, segment(1, 0), sep))};
        }
        Piece sepB = new Piece(sep.special(), sep.specialId(), -1, 1);
        return new Template[] {new Template(List.of(cls, segment(0, 0), sep)), new Template(List.of(cls, segment(0, 0), sep, segment(1, 1), sepB))};
      }
      case "TemplateProcessing" -> {
        return new Template[] {template(file, post.path("single"), post.path("special_tokens")), template(file, post.path("pair"), post.path("special_tokens"))};
      }
      default -> throw new ModelFormatException(file + ": post_processor '" + type + "' is not supported (RobertaProcessing, BertProcessing, TemplateProcessing)");
    }
  }

  private static Piece segment(int segment, int typeId) {
    return new Piece(null, -1, segment, typeId);
  }

  /** A {@code ["</s>", 2]} pair of a Roberta/BertProcessing. */
  private static Piece special(Path file, JsonNode pair, Map<String, Integer> vocab, int typeId) throws ModelFormatException {
    if (!pair.isArray() || pair.size() != 2 || !pair.get(1).isIntegralNumber()) {
      throw new ModelFormatException(file + ": post_processor special token must be [token, id], got " + pair);
    }
    String token = pair.get(0).asText();
    int id = pair.get(1).asInt();
    if (!Integer.valueOf(id).equals(vocab.get(token))) {
      throw new ModelFormatException(file + ": post_processor special token '" + token + "' has id " + id + ", the vocabulary says " + vocab.get(token));
    }
    return new Piece(token, id, -1, typeId);
  }

  private static Template template(Path file, JsonNode items, JsonNode specials) throws ModelFormatException {
    List<Piece> pieces = new ArrayList<>();
    for (JsonNode item : items) {
      if (item.has("Sequence")) {
        String id = item.path("Sequence").path("id").asText();
        if (!id.equals("A") && !id.equals("B")) {
          throw new ModelFormatException(file + ": template sequence '" + id + "' is neither A nor B");
        }
        pieces.add(segment(id.equals("A") ? 0 : 1, item.path("Sequence").path("type_id").asInt(0)));
      } else if (item.has("SpecialToken")) {
        String name = item.path("SpecialToken").path("id").asText();
        JsonNode s = specials.path(name);
        if (s.path("ids").size() != 1 || s.path("tokens").size() != 1) {
          throw new ModelFormatException(file + ": template special token '" + name + "' must map to exactly one token");
        }
        pieces.add(new Piece(s.path("tokens").get(0).asText(), s.path("ids").get(0).asInt(), -1, item.path("SpecialToken").path("type_id").asInt(0)));
      } else {
        throw new ModelFormatException(file + ": unknown template item " + item);
      }
    }
    return new Template(List.copyOf(pieces));
  }

}
