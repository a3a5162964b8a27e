package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * 400 seeded random texts of awkward characters and words (every fourth as a pair) through all three tokenizer kinds, against Hugging Face's
 * Rust tokenizers library on the same files ({@code differential/make_differential.cjs} wrote the expectations): the
 * WordPiece of all-MiniLM-L6-v2 (attn4j reads its vocab.txt, the library its tokenizer.json), the byte-level BPE and
 * the Unigram test tokenizers. Ids, spans, type and segment ids must be equal.
 */
class TokenizerDifferentialTest {
  @TestFactory
  Stream<DynamicTest> randomTextsTokenizeAsTheRustLibraryDoes() throws IOException {
    JsonNode d = Refs.json(Refs.bpe().getParent().resolve("differential/differential.json"));
    Map<String, Tokenizer> tokenizers = Map.of("wordpiece", Tokenizer.load(Refs.model("all-MiniLM-L6-v2")), "bpe", Tokenizer.load(Refs.bpe()), "unigram",
        Tokenizer.load(Refs.unigram()));
    List<DynamicTest> tests = new ArrayList<>();
    for (var kind : tokenizers.entrySet()) {
      tests.add(dynamicTest(kind.getKey(), () -> {
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < d.path("texts").size(); i++) {
          String text = d.path("texts").get(i).asText();
          String pair = d.path("pairs").get(i).isNull() ? null : d.path("pairs").get(i).asText();
          JsonNode expected = d.path("results").path(kind.getKey()).get(i);
          Encoding e = kind.getValue().encode(text, pair, 100_000);
          List<String> want = new ArrayList<>();
          for (int k = 0; k < expected.path("ids").size(); k++) {
            JsonNode span = expected.path("spans").get(k);
            want.add(expected.path("ids").get(k).asInt() + "@" + span.get(0).asInt() + "-" + span.get(1).asInt() + " type " + expected.path("type_ids").get(k).asInt()
                + " seq " + expected.path("sequence_ids").get(k).asInt());
          }
          List<String> got = new ArrayList<>();
          for (int k = 0; k < e.length(); k++) {
            var t = e.tokens().get(k);
            got.add(t.id() + "@" + t.start() + "-" + t.end() + " type " + e.typeIds()[k] + " seq " + e.sequenceIds()[k]);
          }
          if (!want.equals(got)) {
            mismatches.add(i + " '" + text.replace("\n", "\\n") + "': want " + want + " got " + got);
          }
        }
        assertEquals(List.of(), mismatches.subList(0, Math.min(5, mismatches.size())), mismatches.size() + " of " + d.path("texts").size() + " differ");
      }));
    }
    return tests.stream();
  }
}
