package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.models.tokenizer.Token;
import dev.attn4j.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every tokenizer kind on seeded random text drawn from awkward characters (lone surrogates, combining marks, control
 * and zero-width characters, compatibility forms, emoji, the specials themselves): no exception, every id inside the
 * vocabulary, every span inside the text, and truncation that keeps the limit.
 */
class TokenizerFuzzTest {
  private static final String[] PARTS = {"a", "Z", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u200b", "\u200d", "\ufeff", "\u0301", "\u0308",
      "e\u0301", "\ud83d\ude42", "\ud83d\udc4d\ud83c\udffd", "\ud83c\udde9\ud83c\uddea", "\ud800", "\udc00", "\u0001", "\u007f", "\u0085", "ﬁ", "½", "①",
      "ｆ", "\u1100\u1161\u11a8", "中", "日本", "한", "ال", "न्", "ส", "<s>", "</s>", "<mask>", "[MASK]", "[CLS]", "<pad>", "##", "Ġ", "▁", "'s", "3.14",
      "-", "…", "“", "\\", "\""};

  @Test
  void randomAwkwardTextNeverBreaksATokenizer() throws IOException {
    List<Tokenizer> tokenizers = List.of(Tokenizer.load(Refs.model("synthetic-bert-tiny")), Tokenizer.load(Refs.bpe()), Tokenizer.load(Refs.unigram()));
    SplittableRandom random = new SplittableRandom(20261124);
    for (int round = 0; round < 3000; round++) {
      StringBuilder a = new StringBuilder();
      StringBuilder b = new StringBuilder();
      int n = random.nextInt(12);
      for (int i = 0; i < n; i++) {
        a.append(PARTS[random.nextInt(PARTS.length)]);
        if (random.nextBoolean()) {
          b.append(PARTS[random.nextInt(PARTS.length)]);
        }
      }
      String text = a.toString();
      String pair = round % 3 == 0 ? b.toString() : null;
      int max = 4 + random.nextInt(20);
      for (Tokenizer tok : tokenizers) {
        String what = tok.getClass().getSimpleName() + " on '" + text + "' / " + pair;
        Encoding e = tok.encode(text, pair, max);
        assertTrue(e.length() <= max, what);
        int[] segments = e.sequenceIds();
        for (int i = 0; i < e.length(); i++) {
          Token t = e.tokens().get(i);
          String source = segments[i] == 1 ? pair : text;
          assertTrue(t.id() >= 0 && t.id() < tok.vocabSize(), what + ": id " + t);
          assertTrue(0 <= t.start() && t.start() <= t.end() && t.end() <= source.length(), what + ": span " + t);
        }
      }
    }
  }
}
