package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.tokenizer.ByteLevelBpeTokenizer;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.models.tokenizer.Token;
import dev.attn4j.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-level BPE against Hugging Face's tokenizers.js on a RoBERTa-style {@code tokenizer.json} (GPT-2's vocabulary
 * cut to its first 4,000 merges; {@code src/test/resources/bpe/make_goldens.mjs} wrote both files): ids and tokens of
 * 23 texts and 3 pairs, then spans, truncation and malformed files, which the goldens do not cover.
 */
class BpeTokenizerGoldenTest {
  @TempDir Path dir;

  private static Tokenizer tokenizer() throws IOException {
    return Tokenizer.load(Refs.bpe());
  }

  @TestFactory
  Stream<DynamicTest> idsAndTokensMatchTokenizersJs() throws IOException {
    Tokenizer tok = tokenizer();
    assertInstanceOf(ByteLevelBpeTokenizer.class, tok);
    JsonNode g = Refs.json(Refs.bpe().resolve("goldens.json"));
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : g.path("single")) {
      String text = c.path("text").asText();
      tests.add(dynamicTest("single " + abbreviate(text), () -> check(c, tok.encode(text, null, 512))));
    }
    for (JsonNode c : g.path("pairs")) {
      tests.add(dynamicTest("pair " + abbreviate(c.path("text").asText()), () -> {
        Encoding e = tok.encode(c.path("text").asText(), c.path("text_pair").asText(), 512);
        check(c, e);
        // RoBERTa's models take no token types (one row, type_vocab_size 1): the pair is told apart by </s></s> only.
        assertTrue(Arrays.stream(e.typeIds()).allMatch(t -> t == 0), Arrays.toString(e.typeIds()));
        int[] seq = e.sequenceIds();
        int firstB = Arrays.stream(seq).boxed().toList().indexOf(1);
        assertTrue(firstB >= 2 && seq[firstB - 1] == -1 && seq[firstB - 2] == -1, "B follows the two specials </s></s>: " + Arrays.toString(seq));
      }));
    }
    return tests.stream();
  }

  /**
   * The files a slow RobertaTokenizer saves, written from the test tokenizer.json, encode every golden text as the
   * tokenizer.json does (and so as tokenizers.js does), with the same spans.
   */
  @TestFactory
  Stream<DynamicTest> slowTokenizerFilesEncodeAsTokenizerJson() throws IOException {
    Path slow = Files.createDirectories(dir.resolve("slow"));
    writeSlowFiles(Refs.bpe().resolve("tokenizer.json"), slow);
    Files.copy(Refs.bpe().resolve("tokenizer_config.json"), slow.resolve("tokenizer_config.json"));
    Tokenizer tok = Tokenizer.load(slow);
    Tokenizer fast = tokenizer();
    assertInstanceOf(ByteLevelBpeTokenizer.class, tok);
    assertEquals(fast.vocabSize(), tok.vocabSize());
    assertEquals(fast.maskId(), tok.maskId());
    assertEquals(fast.padId(), tok.padId());
    JsonNode g = Refs.json(Refs.bpe().resolve("goldens.json"));
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : g.path("single")) {
      String text = c.path("text").asText();
      tests.add(dynamicTest("single " + abbreviate(text), () -> {
        check(c, tok.encode(text, null, 512));
        assertEquals(fast.tokenize(text), tok.tokenize(text), "tokens and spans");
      }));
    }
    for (JsonNode c : g.path("pairs")) {
      tests.add(dynamicTest("pair " + abbreviate(c.path("text").asText()), () -> check(c, tok.encode(c.path("text").asText(), c.path("text_pair").asText(), 512))));
    }
    return tests.stream();
  }

  /** {@code vocab.json}, {@code merges.txt} (with its version header) and a RoBERTa special_tokens_map.json, from a tokenizer.json. */
  static void writeSlowFiles(Path tokenizerJson, Path to) throws IOException {
    JsonNode model = Refs.json(tokenizerJson).path("model");
    Files.writeString(to.resolve("vocab.json"), Refs.JSON.writeValueAsString(model.path("vocab")));
    StringBuilder merges = new StringBuilder("#version: 0.2\n");
    model.path("merges").forEach(m -> merges.append(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText()).append('\n'));
    Files.writeString(to.resolve("merges.txt"), merges);
    // As transformers writes it: the mask token as an AddedToken with lstrip, the others as plain strings.
    Files.writeString(to.resolve("special_tokens_map.json"), """
        {"bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
         "mask_token": {"content": "<mask>", "lstrip": true, "normalized": false, "rstrip": false, "single_word": false}}""");
  }

  /** What the slow files do not say, or say wrongly, is an error naming the file. */
  @Test
  void malformedSlowTokenizerFilesAreClearErrors() throws IOException {
    Path slow = Files.createDirectories(dir.resolve("bad"));
    writeSlowFiles(Refs.bpe().resolve("tokenizer.json"), slow);
    Files.writeString(slow.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"GPT2Tokenizer\"}");
    assertError(slow, "tokenizer_config.json", "GPT2Tokenizer");
    Files.writeString(slow.resolve("tokenizer_config.json"), "{\"add_prefix_space\": \"no\"}");
    assertError(slow, "tokenizer_config.json", "'add_prefix_space' must be true or false");
    Files.writeString(slow.resolve("tokenizer_config.json"), "{}");
    Files.writeString(slow.resolve("special_tokens_map.json"), "{\"mask_token\": \"[MASK]\"}");
    assertError(slow, "special_tokens_map.json", "mask_token '[MASK]' is neither in vocab.json");
    Files.writeString(slow.resolve("special_tokens_map.json"), "{}");
    // Without the map, RoBERTa's defaults: the same tokenizer, <mask> swallowing the space before it.
    assertEquals(List.of("a", "<mask>"), Tokenizer.load(slow).tokenize("a <mask>").stream().map(Token::text).toList());
    // A mask given as an AddedToken without lstrip keeps the space as a token of its own.
    Files.writeString(slow.resolve("special_tokens_map.json"), "{\"mask_token\": {\"content\": \"<mask>\", \"lstrip\": false}}");
    assertEquals(List.of("a", "Ġ", "<mask>"), Tokenizer.load(slow).tokenize("a <mask>").stream().map(Token::text).toList());
    Files.writeString(slow.resolve("merges.txt"), "#version: 0.2\nĠ t\nthis is three\n");
    assertError(slow, "merges.txt", "merge 1 is not two tokens");
    Files.writeString(slow.resolve("merges.txt"), "#version: 0.2\nĠ zzzq\n");
    assertError(slow, "merges.txt", "outside the vocabulary");
    Files.delete(slow.resolve("merges.txt"));
    assertError(slow, "vocab.json without merges.txt", "");
    Files.writeString(slow.resolve("merges.txt"), "");
    Files.writeString(slow.resolve("vocab.json"), "{\"a\": 0, \"a\": 1}");
    assertError(slow, "vocab.json", "");
  }

  private static void assertError(Path folder, String file, String message) {
    var e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(folder));
    assertTrue(e.getMessage().contains(file) && e.getMessage().contains(message), e.getMessage());
  }

  private static void check(JsonNode golden, Encoding e) {
    List<String> tokens = new ArrayList<>();
    golden.path("tokens").forEach(t -> tokens.add(t.asText()));
    assertEquals(tokens, e.tokens().stream().map(Token::text).toList());
    assertArrayEquals(Refs.ints(Refs.JSON.createArrayNode().add(golden.path("ids")))[0], e.ids());
  }

  private static String abbreviate(String s) {
    return s.length() > 30 ? s.substring(0, 30) + "..." : s;
  }

  /**
   * Ids, segments and spans of every golden text against Hugging Face's Rust tokenizers library (its napi build; see
   * {@code make_offsets.cjs}), which reports offsets, unlike tokenizers.js.
   */
  @TestFactory
  Stream<DynamicTest> spansMatchTheRustTokenizers() throws IOException {
    Tokenizer tok = tokenizer();
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : Refs.json(Refs.bpe().resolve("offsets.json")).path("cases")) {
      String text = c.path("text").asText();
      String pair = c.path("text_pair").isNull() ? null : c.path("text_pair").asText();
      tests.add(dynamicTest((pair == null ? "single " : "pair ") + abbreviate(text), () -> {
        Encoding e = tok.encode(text, pair, 512);
        assertArrayEquals(Refs.ints(Refs.JSON.createArrayNode().add(c.path("ids")))[0], e.ids());
        assertArrayEquals(Refs.ints(Refs.JSON.createArrayNode().add(c.path("sequence_ids")))[0], e.sequenceIds());
        List<String> expected = new ArrayList<>();
        c.path("spans").forEach(span -> expected.add(span.get(0).asInt() + "-" + span.get(1).asInt()));
        assertEquals(expected, e.tokens().stream().map(t -> t.start() + "-" + t.end()).toList());
      }));
    }
    return tests.stream();
  }

  /** Spans are UTF-16 indices into the text; a leading space is not part of a token; part of a character spans all of it. */
  @Test
  void spansPointIntoTheText() throws IOException {
    Tokenizer tok = tokenizer();
    assertSpans(tok, "Hello world!", "H:0:1", "ell:1:4", "o:4:5", "Ġworld:6:11", "!:11:12");
    assertSpans(tok, "The <mask> sat", "The:0:3", "<mask>:4:10", "Ġsat:11:14");
    // 🙂 is two UTF-16 units and four bytes; the byte tokens that split it each span the whole character.
    List<Token> emoji = tok.tokenize("a 🙂");
    assertEquals("Ġ", emoji.get(1).text());
    for (Token t : emoji.subList(2, emoji.size())) {
      assertEquals(List.of(2, 4), List.of(t.start(), t.end()), t.toString());
    }
    // A lone surrogate is one byte ('?') in UTF-8, as String.getBytes writes it; the spans stay in step after it.
    assertSpans(tok, "a\uD800 b", "a:0:1", "?:1:2", "Ġb:3:4");
    String text = "Café naïve, 中文 and “quotes”\n\tend";
    for (Token t : tok.tokenize(text)) {
      assertTrue(0 <= t.start() && t.start() <= t.end() && t.end() <= text.length(), t.toString());
    }
  }

  private static void assertSpans(Tokenizer tok, String text, String... expected) {
    List<String> actual = tok.tokenize(text).stream().map(t -> t.text() + ":" + t.start() + ":" + t.end()).toList();
    assertEquals(List.of(expected), actual, text);
  }

  @Test
  void truncationKeepsTheSpecialTokensAndDropsFromTheLongerSegment() throws IOException {
    Tokenizer tok = tokenizer();
    Encoding e = tok.encode("one two three four five six seven", "a b", 8);
    assertEquals(8, e.length());
    assertTrue(e.truncated());
    List<String> t = e.tokens().stream().map(Token::text).toList();
    assertEquals(List.of("<s>", "one", "Ġtwo", "</s>", "</s>", "a", "Ġb", "</s>"), t);
    assertThrows(IllegalArgumentException.class, () -> tok.encode("x", "y", 3));
    assertEquals(tok.id("<pad>"), tok.padId());
    assertEquals(tok.id("<mask>"), tok.maskId());
    var batch = tok.encodeBatch(List.of("Hello world!", "a"), null, 512);
    assertEquals(tok.padId(), batch.inputIds()[1][batch.sequenceLength() - 1]);
  }

  /** Tokenizer.load on a folder with only a WordPiece tokenizer.json reads it as vocab.txt would be read. */
  @Test
  void aWordPieceTokenizerJsonAloneLoadsAsWordPiece() throws IOException {
    Path jsonOnly = Refs.copy("all-MiniLM-L6-v2", dir.resolve("wordpiece"), "tokenizer.json");
    Tokenizer fromJson = Tokenizer.load(jsonOnly);
    assertInstanceOf(dev.attn4j.models.tokenizer.BertTokenizer.class, fromJson);
    String text = "Zürich's CAT sat [MASK] on 3.14 mats!";
    assertArrayEquals(Tokenizer.load(Refs.model("all-MiniLM-L6-v2")).encode(text, null, 64).ids(), fromJson.encode(text, null, 64).ids());
  }

  /** A file attn4j cannot read is an error naming the file and the part, never a wrong tokenization. */
  @Test
  void unsupportedOrMalformedFilesAreClearErrors() throws IOException {
    String json = Files.readString(Refs.bpe().resolve("tokenizer.json"));
    String[][] bad = {
        {"\"type\":\"BPE\"", "\"type\":\"WordLevel\"", "tokenizer model 'WordLevel' is not supported"},
        {"\"type\":\"BPE\"", "\"type\":\"Unigram\"", "model.vocab must be a non-empty list of [piece, score]"},
        {"\"continuing_subword_prefix\":\"\"", "\"continuing_subword_prefix\":\"##\"", "only plain byte-level BPE"},
        {"\"pre_tokenizer\":{\"type\":\"ByteLevel\"", "\"pre_tokenizer\":{\"type\":\"Whitespace\"", "ByteLevel pre-tokenizer"},
        {"\"normalizer\":null", "\"normalizer\":{\"type\":\"NFKC\"}", "normalizer (NFKC) is not supported"},
        {"\"cls\":[\"<s>\",0]", "\"cls\":[\"<s>\",7]", "'<s>' has id 7"},
        {"\"type\":\"RobertaProcessing\"", "\"type\":\"Sequence\"", "post_processor 'Sequence' is not supported"},
        {"\"merges\":[\"Ġ t\"", "\"merges\":[\"Ġ zz\"", "outside the vocabulary"},
    };
    for (String[] b : bad) {
      assertTrue(json.contains(b[0]), b[0]);
      Path d = Files.createDirectories(dir.resolve("bad" + Arrays.asList(bad).indexOf(b)));
      Files.writeString(d.resolve("tokenizer.json"), json.replace(b[0], b[1]));
      ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(d), b[1]);
      assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains(b[2]), e.getMessage());
    }
  }
}
