package dev.attn4j.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attn4j.models.tokenizer.BatchEncoding;
import dev.attn4j.models.tokenizer.BertTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The independent reference data in {@code ../shared/refs} (property {@code attn4j.refs}); missing data fails, never skips. */
final class Refs {
  static final ObjectMapper JSON = new ObjectMapper();
  private Refs() {}

  static Path root() {
    Path p = Path.of(System.getProperty("attn4j.refs", "../../shared/refs"));
    if (!Files.isDirectory(p)) {
      throw new AssertionError("reference data not found at " + p.toAbsolutePath() + " (set -Dattn4j.refs); it must sit beside the repo at ../shared/refs");
    }
    return p;
  }

  static Path model(String name) {
    return root().resolve(name);
  }

  /** A new folder {@code to} holding copies of {@code files} of reference model {@code model}; returns {@code to}. */
  static Path copy(String model, Path to, String... files) throws IOException {
    Files.createDirectories(to);
    for (String f : files) {
      Files.copy(model(model).resolve(f), to.resolve(f));
    }
    return to;
  }

  /** The folder of the test BPE tokenizer and its tokenizers.js goldens ({@code src/test/resources/bpe}). */
  static Path bpe() {
    try {
      return Path.of(Refs.class.getResource("/bpe/tokenizer.json").toURI()).getParent();
    } catch (java.net.URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  /** The folder of the test Unigram (XLM-R layout) tokenizer and its Rust-tokenizers goldens ({@code src/test/resources/unigram}). */
  static Path unigram() {
    try {
      return Path.of(Refs.class.getResource("/unigram/tokenizer.json").toURI()).getParent();
    } catch (java.net.URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  static JsonNode json(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The golden cases of {@code dir} (its {@code index.json}). */
  static List<Path> cases(Path goldenDir) {
    List<Path> out = new ArrayList<>();
    for (JsonNode c : json(goldenDir.resolve("index.json")).path("cases")) {
      out.add(goldenDir.resolve(c.path("file").asText()));
    }
    if (out.isEmpty()) {
      throw new AssertionError("no cases listed in " + goldenDir.resolve("index.json"));
    }
    return out;
  }

  /** The golden's inputs encoded as the golden was: pairs when any row has one, padded to the longest row. */
  static BatchEncoding encode(BertTokenizer tokenizer, JsonNode g, int maxLength) {
    List<String> texts = new ArrayList<>();
    List<String> pairs = new ArrayList<>();
    boolean anyPair = false;
    for (JsonNode in : g.path("inputs")) {
      texts.add(in.has("question") ? in.get("question").asText() : in.get("text").asText());
      String pair = in.has("context") ? textOrNull(in.get("context")) : textOrNull(in.get("text_pair"));
      anyPair |= pair != null;
      pairs.add(pair);
    }
    return tokenizer.encodeBatch(texts, anyPair ? pairs : null, maxLength);
  }

  static int[][] ints(JsonNode n) {
    int[][] out = new int[n.size()][];
    for (int i = 0; i < n.size(); i++) {
      out[i] = new int[n.get(i).size()];
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] = n.get(i).get(j).asInt();
      }
    }
    return out;
  }

  static List<List<String>> strings(JsonNode n) {
    List<List<String>> out = new ArrayList<>();
    for (JsonNode row : n) {
      List<String> r = new ArrayList<>();
      row.forEach(t -> r.add(t.asText()));
      out.add(r);
    }
    return out;
  }

  static String textOrNull(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }
}
