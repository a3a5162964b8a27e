package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.models.tokenizer.Token;
import dev.attn4j.models.tokenizer.Tokenizer;
import dev.attn4j.models.tokenizer.UnigramTokenizer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * SentencePiece Unigram in XLM-RoBERTa's tokenizer.json layout against Hugging Face's Rust tokenizers library (its
 * napi build): ids, tokens, type and segment ids and spans of 34 texts and 4 pairs in many scripts, with NFKC cases
 * (full-width, ligatures, compatibility symbols, combining marks), whitespace and control characters, unknown
 * characters, {@code <mask>} and {@code <s>} in the text. The tokenizer is a SentencePiece model trained with
 * {@code spm_train} (nmt_nfkc) on {@code corpus.txt}; {@code make_tokenizer.py} and {@code make_goldens.cjs} beside the
 * files wrote them.
 */
class UnigramTokenizerGoldenTest {
  @TempDir Path dir;

  @TestFactory
  Stream<DynamicTest> encodingsMatchTheRustTokenizers() throws IOException {
    Tokenizer tok = Tokenizer.load(Refs.unigram());
    assertInstanceOf(UnigramTokenizer.class, tok);
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : Refs.json(Refs.unigram().resolve("goldens.json")).path("cases")) {
      String text = c.path("text").asText();
      String pair = c.path("text_pair").isNull() ? null : c.path("text_pair").asText();
      String name = (pair == null ? "single " : "pair ") + (text.length() > 30 ? text.substring(0, 30) + "..." : text);
      tests.add(dynamicTest(name, () -> {
        Encoding e = tok.encode(text, pair, 512);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < c.path("ids").size(); i++) {
          JsonNode span = c.path("spans").get(i);
          expected.add(c.path("tokens").get(i).asText() + " " + c.path("ids").get(i).asInt() + " " + span.get(0).asInt() + "-" + span.get(1).asInt());
        }
        assertEquals(expected, e.tokens().stream().map(t -> t.text() + " " + t.id() + " " + t.start() + "-" + t.end()).toList());
        assertArrayEquals(ints(c.path("sequence_ids")), e.sequenceIds());
        assertArrayEquals(ints(c.path("type_ids")), e.typeIds());
      }));
    }
    return tests.stream();
  }

  /**
   * The same tokenizer as other checkpoints write it (the pre-0.14 Metaspace flag, prepend_scheme first and never, no
   * split, WhitespaceSplit first, {@code <mask>} as a normalized added token, the newer Strip + Replace normalizer),
   * against the Rust library on each variant ({@code variants.json}).
   */
  @TestFactory
  Stream<DynamicTest> variantsMatchTheRustTokenizers() throws IOException {
    ObjectNode base = (ObjectNode) Refs.json(Refs.unigram().resolve("tokenizer.json"));
    JsonNode precompiled = base.path("normalizer").path("normalizers").get(0);
    List<DynamicTest> tests = new ArrayList<>();
    for (var v : (Iterable<java.util.Map.Entry<String, JsonNode>>) () -> Refs.json(Refs.unigram().resolve("variants.json")).path("variants").fields()) {
      JsonNode edit = Refs.json(Files.writeString(dir.resolve("edit.json"), v.getValue().path("edit").asText()));
      ObjectNode json = base.deepCopy();
      json.set("pre_tokenizer", edit.path("pre_tokenizer"));
      ArrayNode steps = Refs.JSON.createArrayNode().add(precompiled);
      edit.path("normalizer").forEach(steps::add);
      json.putObject("normalizer").put("type", "Sequence").set("normalizers", steps);
      json.set("added_tokens", edit.path("added_tokens"));
      Path folder = Files.createDirectories(dir.resolve(v.getKey()));
      Files.writeString(folder.resolve("tokenizer.json"), Refs.JSON.writeValueAsString(json));
      Tokenizer tok = Tokenizer.load(folder);
      for (JsonNode c : v.getValue().path("cases")) {
        tests.add(dynamicTest(v.getKey() + " '" + c.path("text").asText() + "'", () -> {
          List<String> expected = new ArrayList<>();
          for (int i = 0; i < c.path("ids").size(); i++) {
            JsonNode span = c.path("spans").get(i);
            expected.add(c.path("tokens").get(i).asText() + " " + c.path("ids").get(i).asInt() + " " + span.get(0).asInt() + "-" + span.get(1).asInt());
          }
          assertEquals(expected, tok.encode(c.path("text").asText(), null, 512).tokens().stream()
              .map(t -> t.text() + " " + t.id() + " " + t.start() + "-" + t.end()).toList());
        }));
      }
    }
    return tests.stream();
  }

  /** A file attn4j cannot read is an error naming the file and the part, never a wrong tokenization. */
  @Test
  void unsupportedOrMalformedFilesAreClearErrors() throws IOException {
    String json = Files.readString(Refs.unigram().resolve("tokenizer.json"));
    String[][] bad = {
        {"\"byte_fallback\": false", "\"byte_fallback\": true", "byte_fallback is not supported"},
        {"\"unk_id\": 3", "\"unk_id\": 99999", "unk_id must be the id of a piece"},
        {"[\"<pad>\", 0.0]", "[\"<s>\", 0.0]", "repeats an earlier piece"},
        {"[\"<pad>\", 0.0]", "[\"<pad>\", \"high\"]", "must be [piece, finite score]"},
        {"\"type\": \"Metaspace\", \"replacement\": \"\u2581\", \"prepend_scheme\": \"always\"", "\"type\": \"Whitespace\"", "needs the Metaspace pre-tokenizer"},
        {"\"prepend_scheme\": \"always\"", "\"prepend_scheme\": \"sometimes\"", "prepend_scheme \"sometimes\""},
        {"{\"type\": \"Replace\"", "{\"type\": \"NFKC\"}, {\"type\": \"Replace\"", "normalizer 'NFKC' is not supported"},
        {"{\"Regex\": \" {2,}\"}", "{\"Regex\": \"(\"}", "not a regular expression"},
        {"\"precompiled_charsmap\": \"", "\"precompiled_charsmap\": \"!!!", "precompiled_charsmap is not base64"},
    };
    for (String[] b : bad) {
      assertTrue(json.contains(b[0]), b[0]);
      Path d = Files.createDirectories(dir.resolve("bad" + java.util.Arrays.asList(bad).indexOf(b)));
      Files.writeString(d.resolve("tokenizer.json"), json.replace(b[0], b[1]));
      ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(d), b[1]);
      assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains(b[2]), e.getMessage());
    }
    // A charsmap whose header claims more trie than there is.
    Path d = Files.createDirectories(dir.resolve("short"));
    Files.writeString(d.resolve("tokenizer.json"), json.replaceFirst("\"precompiled_charsmap\": \"[^\"]*\"", "\"precompiled_charsmap\": \"/////w==\""));
    var e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(d));
    assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
  }

  private static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }
}
