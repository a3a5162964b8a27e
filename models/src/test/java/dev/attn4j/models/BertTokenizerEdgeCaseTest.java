package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attn4j.models.tokenizer.BertTokenizer;
import dev.attn4j.models.tokenizer.Token;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Characters the goldens do not cover, with the tokens Hugging Face's tokenizers give for them (all-MiniLM-L6-v2's
 * uncased vocabulary). Found by comparing with an independent tokenizer on thousands of random mixed-script texts.
 */
class BertTokenizerEdgeCaseTest {
  private static BertTokenizer tokenizer() throws IOException {
    return BertTokenizer.load(Refs.model("all-MiniLM-L6-v2"));
  }

  @ParameterizedTest(name = "{2}")
  @CsvSource(delimiter = '|', textBlock = """
      a\u2028b\u2029c          | [CLS] a b c [SEP]                | line and paragraph separators split words
      a\u000Bb\u0085c          | [CLS] abc [SEP]                  | C0/C1 controls are dropped, not spaces
      x\u00ADy\u200Bz          | [CLS] x ##y ##z [SEP]            | format characters (soft hyphen, zero width space) are dropped
      \u212Aelvin              | [CLS] kelvin [SEP]               | the Kelvin sign lower-cases to k
      tab\there\u3000wide\u00A0nb | [CLS] tab here wide n ##b [SEP] | tab, ideographic and no-break spaces
      \uD840\uDC00bert         | [CLS] [UNK] bert [SEP]           | a CJK extension B character outside the BMP is a word of its own
      """)
  void matchesHuggingFace(String text, String expected, String why) throws IOException {
    List<String> got = tokenizer().encode(text, null, 512).tokens().stream().map(Token::text).toList();
    assertEquals(expected, String.join(" ", got), why);
  }
}
