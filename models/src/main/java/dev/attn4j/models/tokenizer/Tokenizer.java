package dev.attn4j.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Text to token ids for an encoder: the tokens of a text or a pair of texts, special tokens around them as the
 * model was trained with, truncated to a length, with each token's span in the original text. Implementations:
 * {@link BertTokenizer} (WordPiece), {@link ByteLevelBpeTokenizer} (RoBERTa's and GPT-2's byte-level BPE) and
 * {@link UnigramTokenizer} (XLM-RoBERTa's SentencePiece Unigram).
 *
 * <p>Implementations are immutable and thread-safe.
 *
 * <p>Stability: stable since 0.1.
 */
public interface Tokenizer {
  /** Number of tokens in the vocabulary. */
  int vocabSize();

  /** The id of {@code token}, or -1. */
  int id(String token);

  /**
   * The token with id {@code id}.
   *
   * @throws IllegalArgumentException if {@code id} is outside the vocabulary
   */
  String token(int id);

  /** Id of the padding token. */
  int padId();

  /** Id of the mask token ({@code [MASK]}, {@code <mask>}), or -1 when the vocabulary has none. */
  int maskId();

  /**
   * {@code text} (and {@code pair}) with the model's special tokens, truncated longest-first to {@code maxLength}
   * tokens.
   *
   * @param pair second segment, or null
   * @throws IllegalArgumentException if {@code maxLength} cannot even hold the special tokens
   */
  Encoding encode(String text, String pair, int maxLength);

  /** The tokens of {@code text}, without special tokens added around them. */
  List<Token> tokenize(String text);

  /** Encodes each {@code (text, pair)} and pads them to the longest. */
  default BatchEncoding encodeBatch(List<String> texts, List<String> pairs, int maxLength) {
    if (pairs != null && pairs.size() != texts.size()) {
      throw new IllegalArgumentException(texts.size() + " texts but " + pairs.size() + " pairs");
    }
    List<Encoding> out = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      out.add(encode(texts.get(i), pairs == null ? null : pairs.get(i), maxLength));
    }
    return BatchEncoding.pad(out, padId());
  }

  /**
   * The tokenizer of a Hugging Face model folder: WordPiece from {@code vocab.txt} (with
   * {@code tokenizer_config.json}) when present, else whatever {@code tokenizer.json} holds (WordPiece, byte-level
   * BPE or SentencePiece Unigram), else a slow RoBERTa tokenizer's {@code vocab.json} and {@code merges.txt}.
   *
   * @throws ModelFormatException if there is no tokenizer, it is malformed, or of a kind attn4j does not implement
   */
  static Tokenizer load(Path dir) throws IOException {
    Path tokenizerJson = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(dir.resolve("vocab.txt")) && Files.isRegularFile(tokenizerJson)) {
      JsonNode root = Json.readObject(tokenizerJson);
      String type = root.path("model").path("type").asText();
      return switch (type) {
        case "WordPiece" -> BertTokenizer.fromTokenizerJson(tokenizerJson, root);
        case "BPE" -> ByteLevelBpeTokenizer.fromTokenizerJson(tokenizerJson, root);
        case "Unigram" -> UnigramTokenizer.fromTokenizerJson(tokenizerJson, root);
        default -> throw new ModelFormatException(tokenizerJson + ": tokenizer model '" + type + "' is not supported (WordPiece, byte-level BPE, Unigram)");
      };
    }
    if (!Files.isRegularFile(dir.resolve("vocab.txt")) && Files.isRegularFile(dir.resolve(SlowBpeFiles.VOCAB))) {
      return ByteLevelBpeTokenizer.fromVocabAndMerges(dir);
    }
    return BertTokenizer.load(dir);
  }

  /**
   * Hugging Face's {@code longest_first} truncation as its Python tokenizers do it: drops tokens from the end of the
   * longer segment (the second on a tie) until {@code a} and {@code b} hold at most {@code budget} tokens together. Its
   * Rust ("fast") tokenizers split differently when both segments must shrink: the shorter (the first on a tie) keeps
   * {@code budget / 2}, so a pair can end one token apart from them (10 + 10 tokens into 15: 8 + 7 here, 7 + 8 there).
   *
   * @return whether any token was dropped
   */
  static boolean truncateLongestFirst(List<Token> a, List<Token> b, int budget) {
    boolean truncated = false;
    while (a.size() + b.size() > budget) {
      truncated = true;
      if (a.size() > b.size()) {
        a.removeLast();
      } else {
        b.removeLast();
      }
    }
    return truncated;
  }
}
