package com.example.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.Backends;
import dev.attn4j.models.BertModel;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The application on a real checkpoint (all-MiniLM-L6-v2 from the reference data beside the repository), on every
 * backend the run-time dependencies provide: close paraphrases score above unrelated sentences, and every backend
 * gives backend-java's embeddings.
 */
class SimilarityAppTest {
  private static final List<String> TEXTS = List.of("A man is playing a guitar.", "Someone is playing an instrument.",
      "The weather is cold today.", "Stock markets fell sharply on Monday.");

  @Test
  void paraphrasesScoreHigherOnEveryBackend() throws Exception {
    Path dir = Path.of(System.getProperty("attn4j.refs", "../../../shared/refs")).resolve("all-MiniLM-L6-v2");
    assertTrue(Files.isDirectory(dir), "reference model not found at " + dir.toAbsolutePath() + " (set -Dattn4j.refs)");
    List<String> names = Backends.available().stream().map(BackendProvider::name).toList();
    // java always; the native backends wherever their libraries load (everywhere the bundled linux-x86_64 ones do).
    assertTrue(names.contains("java"), "backends found: " + names);
    try (BertModel model = BertModel.load(dir)) {
      float[][] reference = embed(model, "java");
      for (String name : names) {
        float[][] v = embed(model, name);
        assertEquals(1.0, SimilarityApp.dot(v[0], v[0]), 1e-5, name + ": unit length");
        double paraphrase = SimilarityApp.dot(v[0], v[1]);
        for (int other : new int[] {2, 3}) {
          double unrelated = SimilarityApp.dot(v[0], v[other]);
          assertTrue(paraphrase > unrelated + 0.2, name + ": paraphrase " + paraphrase + " vs unrelated " + unrelated);
        }
        for (int i = 0; i < v.length; i++) {
          for (int j = 0; j < v[i].length; j++) {
            assertEquals(reference[i][j], v[i][j], 1e-4, name + " vs java, text " + i + ", element " + j);
          }
        }
      }
    }
  }

  private static float[][] embed(BertModel model, String backendName) throws Exception {
    try (Backend backend = Backends.open(backendName, BackendOptions.defaults().withThreads(2))) {
      return SimilarityApp.embed(model, backend, TEXTS);
    }
  }
}
