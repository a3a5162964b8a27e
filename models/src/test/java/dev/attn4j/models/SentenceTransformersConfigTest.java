package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.heads.Pooling;
import dev.attn4j.models.heads.SentenceEmbeddings;
import dev.attn4j.models.heads.SentenceTransformersConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sentence-transformers' module files (as bge and all-MiniLM ship them) and the pooling they select. */
class SentenceTransformersConfigTest {
  @TempDir Path dir;

  private static final String TRANSFORMER = "{\"idx\": 0, \"name\": \"0\", \"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"}";
  private static final String NORMALIZE = "{\"idx\": 2, \"name\": \"2\", \"path\": \"2_Normalize\", \"type\": \"sentence_transformers.models.Normalize\"}";

  private Path folder(String poolingConfig, boolean normalize) throws IOException {
    Files.createDirectories(dir.resolve("1_Pooling"));
    Files.writeString(dir.resolve("1_Pooling/config.json"), poolingConfig);
    String pooling = "{\"idx\": 1, \"name\": \"1\", \"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"}";
    Files.writeString(dir.resolve("modules.json"), "[" + TRANSFORMER + ", " + pooling + (normalize ? ", " + NORMALIZE : "") + "]");
    return dir;
  }

  private static String modes(boolean cls, boolean mean, boolean max, boolean sqrt) {
    return "{\"word_embedding_dimension\": 384, \"pooling_mode_cls_token\": " + cls + ", \"pooling_mode_mean_tokens\": " + mean
        + ", \"pooling_mode_max_tokens\": " + max + ", \"pooling_mode_mean_sqrt_len_tokens\": " + sqrt + "}";
  }

  @Test
  void readsPoolingAndNormalization() throws IOException {
    assertEquals(Optional.of(new SentenceTransformersConfig(Pooling.CLS, true)), SentenceTransformersConfig.read(folder(modes(true, false, false, false), true)));
    assertEquals(Optional.of(new SentenceTransformersConfig(Pooling.MEAN, false)), SentenceTransformersConfig.read(folder(modes(false, true, false, false), false)));
    assertEquals(Optional.of(new SentenceTransformersConfig(Pooling.MAX, true)), SentenceTransformersConfig.read(folder(modes(false, false, true, false), true)));
    // The folder named relatively and through ".".
    assertEquals(Optional.of(new SentenceTransformersConfig(Pooling.MAX, true)),
        SentenceTransformersConfig.read(Path.of("").toAbsolutePath().relativize(dir).resolve(".")));
  }

  @Test
  void aPlainCheckpointHasNone() throws IOException {
    assertEquals(Optional.empty(), SentenceTransformersConfig.read(dir));
    Files.writeString(dir.resolve("modules.json"), "[" + TRANSFORMER + "]");
    assertEquals(Optional.empty(), SentenceTransformersConfig.read(dir));
  }

  @Test
  void unsupportedOrMalformedFilesAreErrors() throws IOException {
    assertEquals(Pooling.MEAN_SQRT_LEN, SentenceTransformersConfig.read(folder(modes(false, false, false, true), true)).orElseThrow().pooling());
    var e = assertThrows(ModelFormatException.class, () -> SentenceTransformersConfig.read(folder(modes(false, true, false, true), true)));
    assertTrue(e.getMessage().contains("exactly one"), e.getMessage());
    e = assertThrows(ModelFormatException.class, () -> SentenceTransformersConfig.read(folder(modes(true, true, false, false), true)));
    assertTrue(e.getMessage().contains("exactly one"), e.getMessage());
    Files.writeString(dir.resolve("modules.json"), "[{\"path\": \"../elsewhere\", \"type\": \"sentence_transformers.models.Pooling\"}]");
    e = assertThrows(ModelFormatException.class, () -> SentenceTransformersConfig.read(dir));
    assertTrue(e.getMessage().contains("not a folder inside the model"), e.getMessage());
    Files.writeString(dir.resolve("modules.json"), "{\"not\": \"a list\"}");
    assertThrows(ModelFormatException.class, () -> SentenceTransformersConfig.read(dir));
  }

  @Test
  void maxPoolingTakesTheLargestRealToken() {
    try (TensorScope s = TensorScope.open()) {
      var hidden = s.of(new float[] {1, -5, 3, 2, 9, 9, -1, 0, 4, 4, 100, 100}, 2, 3, 2);
      float[][] got = SentenceEmbeddings.pool(hidden, new int[][] {{1, 1, 0}, {1, 1, 0}}, Pooling.MAX, false);
      assertArrayEquals(new float[] {3, 2}, got[0]);
      assertArrayEquals(new float[] {4, 4}, got[1], "the padded token (100) is not a candidate");
      assertThrows(IllegalArgumentException.class, () -> SentenceEmbeddings.pool(hidden, new int[][] {{1, 0, 0}, {0, 0, 0}}, Pooling.MAX, false));
    }
  }

  /** The other sentence-transformers modes, against sums written out by hand: 2 rows, 3 positions, 2 features. */
  @Test
  void meanSqrtLenWeightedMeanAndLastToken() throws IOException {
    try (TensorScope s = TensorScope.open()) {
      // Row 0: tokens (1, 2), (3, 4), padding; row 1: padding first (left-padded), then (5, 6), (7, 8).
      var hidden = s.of(new float[] {1, 2, 3, 4, 99, 99, 99, 99, 5, 6, 7, 8}, 2, 3, 2);
      int[][] mask = {{1, 1, 0}, {0, 1, 1}};
      float[][] sqrt = SentenceEmbeddings.pool(hidden, mask, Pooling.MEAN_SQRT_LEN, false);
      assertArrayEquals(new float[] {(float) (4 / Math.sqrt(2)), (float) (6 / Math.sqrt(2))}, sqrt[0], 1e-6f);
      // Weights are positions + 1 in the padded row: 1 and 2 for row 0, 2 and 3 for row 1.
      float[][] weighted = SentenceEmbeddings.pool(hidden, mask, Pooling.WEIGHTED_MEAN, false);
      assertArrayEquals(new float[] {(1 * 1 + 2 * 3) / 3f, (1 * 2 + 2 * 4) / 3f}, weighted[0], 1e-6f);
      assertArrayEquals(new float[] {(2 * 5 + 3 * 7) / 5f, (2 * 6 + 3 * 8) / 5f}, weighted[1], 1e-6f);
      float[][] last = SentenceEmbeddings.pool(hidden, mask, Pooling.LAST_TOKEN, false);
      assertArrayEquals(new float[] {3, 4}, last[0]);
      assertArrayEquals(new float[] {7, 8}, last[1]);
      assertThrows(IllegalArgumentException.class, () -> SentenceEmbeddings.pool(hidden, new int[][] {{0, 0, 0}, {1, 1, 1}}, Pooling.LAST_TOKEN, false));
    }
    Files.createDirectories(dir.resolve("1_Pooling"));
    for (String[] mode : new String[][] {{"pooling_mode_weightedmean_tokens", "WEIGHTED_MEAN"}, {"pooling_mode_lasttoken", "LAST_TOKEN"}}) {
      Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"" + mode[0] + "\": true}");
      Files.writeString(dir.resolve("modules.json"), "[" + TRANSFORMER + ", {\"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"}]");
      assertEquals(Pooling.valueOf(mode[1]), SentenceTransformersConfig.read(dir).orElseThrow().pooling());
    }
  }
}
