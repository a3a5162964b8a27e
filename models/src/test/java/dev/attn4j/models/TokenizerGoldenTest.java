package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.tokenizer.BertTokenizer;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.models.tokenizer.Token;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden tokenizations of every reference model (the bge ones have no weights here, but their tokens are
 * golden too), from {@code vocab.txt} + {@code tokenizer_config.json} and from {@code tokenizer.json} alone.
 */
class TokenizerGoldenTest {
  @TempDir Path dir;

  @TestFactory
  Stream<DynamicTest> everyModelBothTokenizerFiles() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (String model : List.of("all-MiniLM-L6-v2", "bge-small-en-v1.5", "bge-small-zh-v1.5")) {
      Path src = Refs.model(model);
      Path jsonOnly = Files.createDirectories(dir.resolve(model));
      Files.copy(src.resolve("tokenizer.json"), jsonOnly.resolve("tokenizer.json"));
      BertTokenizer fromVocab = BertTokenizer.load(src);
      BertTokenizer fromJson = BertTokenizer.load(jsonOnly);
      int maxLength = Refs.json(src.resolve("config.json")).path("max_position_embeddings").asInt();
      for (Path c : Refs.cases(src.resolve("golden/public"))) {
        JsonNode g = Refs.json(c);
        for (var t : List.of(new Object[] {"vocab.txt", fromVocab}, new Object[] {"tokenizer.json", fromJson})) {
          tests.add(dynamicTest(model + "/" + c.getFileName() + " from " + t[0], () -> check((BertTokenizer) t[1], g, maxLength)));
        }
      }
    }
    return tests.stream();
  }

  private static void check(BertTokenizer tok, JsonNode g, int maxLength) {
    List<List<String>> tokens = Refs.strings(g.path("tokens"));
    int[][] ids = Refs.ints(g.path("input_ids"));
    for (int b = 0; b < tokens.size(); b++) {
      JsonNode in = g.path("inputs").get(b);
      Encoding e = tok.encode(in.path("text").asText(), Refs.textOrNull(in.get("text_pair")), maxLength);
      int len = g.path("lengths").get(b).asInt();
      assertEquals(tokens.get(b).subList(0, len), e.tokens().stream().map(Token::text).toList(), "tokens of row " + b);
      assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(ids[b], len)), java.util.Arrays.toString(e.ids()), "ids of row " + b);
    }
  }
}
