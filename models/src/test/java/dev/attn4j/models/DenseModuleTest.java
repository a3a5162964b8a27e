package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.heads.DenseLayer;
import dev.attn4j.models.heads.Pooling;
import dev.attn4j.models.heads.SentenceTransformersConfig;
import dev.attn4j.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sentence-transformers Dense modules after pooling (LaBSE's tanh layer, GTR's identity projection): read from their
 * folders and applied between pooling and normalization, against a float64 computation from the golden hidden
 * states of synthetic-bert-tiny.
 */
class DenseModuleTest {
  private static final int HIDDEN = 96;
  @TempDir Path dir;

  /** Weights of one Dense module, seeded; {@code w} is {@code [out][in]}. */
  private record Dense(double[][] w, double[] b, String activation) {}

  private static Dense random(int out, int in, boolean bias, String activation, long seed) {
    Random r = new Random(seed);
    double[][] w = new double[out][in];
    for (double[] row : w) {
      for (int i = 0; i < in; i++) {
        row[i] = (float) (r.nextGaussian() * 0.3);
      }
    }
    double[] b = null;
    if (bias) {
      b = new double[out];
      for (int o = 0; o < out; o++) {
        b[o] = (float) (r.nextGaussian() * 0.1);
      }
    }
    return new Dense(w, b, activation);
  }

  private static void write(Path folder, Dense d) throws IOException {
    Files.createDirectories(folder);
    Files.deleteIfExists(folder.resolve("model.safetensors"));
    int out = d.w().length;
    int in = d.w()[0].length;
    Files.writeString(folder.resolve("config.json"), """
        {"in_features": %d, "out_features": %d, "bias": %s, "activation_function": "%s"}""".formatted(in, out, d.b() != null, d.activation()));
    try (TensorScope scope = TensorScope.open()) {
      Map<String, Tensor> t = new LinkedHashMap<>();
      float[] w = new float[out * in];
      for (int o = 0; o < out; o++) {
        for (int i = 0; i < in; i++) {
          w[o * in + i] = (float) d.w()[o][i];
        }
      }
      t.put("linear.weight", scope.of(w, out, in));
      if (d.b() != null) {
        float[] b = new float[out];
        for (int o = 0; o < out; o++) {
          b[o] = (float) d.b()[o];
        }
        t.put("linear.bias", scope.of(b, out));
      }
      SafeTensors.write(folder.resolve("model.safetensors"), t, Map.of("format", "pt"));
    }
  }

  /** Mean pooling, then a tanh Dense layer with bias, then an identity projection without, then Normalize. */
  private Path folder(Dense first, Dense second) throws IOException {
    Refs.copy("synthetic-bert-tiny", dir, "config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors");
    Files.writeString(dir.resolve("modules.json"), """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
         {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
         {"idx": 3, "name": "3", "path": "3_Dense", "type": "sentence_transformers.models.Dense"},
         {"idx": 4, "name": "4", "path": "4_Normalize", "type": "sentence_transformers.models.Normalize"}]""");
    Files.createDirectories(dir.resolve("1_Pooling"));
    Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"word_embedding_dimension\": 96, \"pooling_mode_mean_tokens\": true}");
    write(dir.resolve("2_Dense"), first);
    write(dir.resolve("3_Dense"), second);
    return dir;
  }

  @Test
  void pooledVectorsGoThroughTheDenseLayersBeforeNormalization() throws IOException {
    Dense first = random(24, HIDDEN, true, "torch.nn.modules.activation.Tanh", 1);
    Dense second = random(12, 24, false, "torch.nn.modules.linear.Identity", 2);
    SentenceTransformersConfig st = SentenceTransformersConfig.read(folder(first, second), HIDDEN).orElseThrow();
    assertEquals(Pooling.MEAN, st.pooling());
    assertEquals(2, st.dense().size());
    assertEquals(12, st.dimension(HIDDEN));
    assertTrue(st.normalize());

    for (Path c : Refs.cases(Refs.model("synthetic-bert-tiny").resolve("golden/public"))) {
      JsonNode g = Refs.json(c);
      JsonNode hs = g.path("last_hidden_state");
      int batch = hs.size();
      int seq = hs.get(0).size();
      float[] flat = new float[batch * seq * HIDDEN];
      for (int b = 0; b < batch; b++) {
        for (int s = 0; s < seq; s++) {
          for (int i = 0; i < HIDDEN; i++) {
            flat[(b * seq + s) * HIDDEN + i] = (float) hs.get(b).get(s).get(i).asDouble();
          }
        }
      }
      int[][] mask = Refs.ints(g.path("attention_mask"));
      float[][] got;
      try (TensorScope scope = TensorScope.open()) {
        got = st.embed(scope.of(flat, batch, seq, HIDDEN), mask);
      }
      for (int b = 0; b < batch; b++) {
        double[] expected = oracle(hs.get(b), mask[b], first, second);
        for (int i = 0; i < expected.length; i++) {
          assertEquals(expected[i], got[b][i], 1e-5, c.getFileName() + " row " + b + " element " + i);
        }
      }
    }
  }

  /** Mean over the real tokens, tanh(W1 x + b1), W2 y, L2 normalization, all in double. */
  private static double[] oracle(JsonNode tokens, int[] mask, Dense first, Dense second) {
    double[] mean = new double[HIDDEN];
    int n = 0;
    for (int s = 0; s < mask.length; s++) {
      if (mask[s] == 1) {
        n++;
        for (int i = 0; i < HIDDEN; i++) {
          mean[i] += tokens.get(s).get(i).asDouble();
        }
      }
    }
    for (int i = 0; i < HIDDEN; i++) {
      mean[i] /= n;
    }
    double[] y = new double[first.w().length];
    for (int o = 0; o < y.length; o++) {
      double acc = first.b()[o];
      for (int i = 0; i < HIDDEN; i++) {
        acc += first.w()[o][i] * mean[i];
      }
      y[o] = Math.tanh(acc);
    }
    double[] z = new double[second.w().length];
    double norm = 0;
    for (int o = 0; o < z.length; o++) {
      for (int i = 0; i < y.length; i++) {
        z[o] += second.w()[o][i] * y[i];
      }
      norm += z[o] * z[o];
    }
    for (int o = 0; o < z.length; o++) {
      z[o] /= Math.sqrt(norm);
    }
    return z;
  }

  @Test
  void theEncoderTakesTheDenseLayersFromTheFolder() throws IOException {
    folder(random(24, HIDDEN, true, "torch.nn.modules.activation.Tanh", 1), random(12, 24, false, "torch.nn.modules.linear.Identity", 2));
    try (BertModel model = BertModel.load(dir)) {
      SentenceEncoder e = SentenceEncoder.of(model, new NoComputeBackend());
      assertEquals(2, e.dense().size());
      assertEquals(12, e.dimension());
      assertEquals(2, e.withPooling(Pooling.CLS).dense().size(), "another pooling keeps the Dense layers");
      assertEquals(HIDDEN, SentenceEncoder.of(model, new NoComputeBackend(), Pooling.MEAN, true).dimension(), "given settings read no files");
    }
  }

  @Test
  void malformedDenseModulesAreErrorsNamingTheFile() throws IOException {
    folder(random(24, HIDDEN, true, "torch.nn.modules.activation.Tanh", 1), random(12, 24, false, "torch.nn.modules.linear.Identity", 2));
    // The first layer must take the model's hidden size, each layer the previous one's output.
    write(dir.resolve("2_Dense"), random(24, 32, true, "torch.nn.modules.activation.Tanh", 3));
    assertError(() -> SentenceTransformersConfig.read(dir, HIDDEN), "takes 32 features, the model's hidden size is 96");
    write(dir.resolve("2_Dense"), random(20, HIDDEN, true, "torch.nn.modules.activation.Tanh", 3));
    assertError(() -> SentenceTransformersConfig.read(dir), "Dense layer 0 gives 20 features, layer 1 takes 24");
    write(dir.resolve("2_Dense"), random(24, HIDDEN, true, "torch.nn.modules.activation.GELU", 3));
    assertError(() -> SentenceTransformersConfig.read(dir), "activation_function 'torch.nn.modules.activation.GELU' is not supported");
    write(dir.resolve("2_Dense"), random(24, HIDDEN, true, "torch.nn.modules.activation.Tanh", 3));
    Files.writeString(dir.resolve("2_Dense/config.json"), "{\"in_features\": 96, \"out_features\": 25, \"bias\": true}");
    assertError(() -> SentenceTransformersConfig.read(dir), "'linear.weight' has shape [24, 96], config.json implies [25, 96]");
    Files.writeString(dir.resolve("2_Dense/config.json"), "{\"in_features\": 96, \"out_features\": 24, \"bias\": \"yes\"}");
    assertError(() -> SentenceTransformersConfig.read(dir), "'bias' must be true or false");
    Files.writeString(dir.resolve("2_Dense/config.json"), "{\"in_features\": 96, \"out_features\": 24}");
    Files.delete(dir.resolve("2_Dense/model.safetensors"));
    Files.writeString(dir.resolve("2_Dense/pytorch_model.bin"), "not read");
    assertError(() -> SentenceTransformersConfig.read(dir), "pytorch_model.bin is not read");
    // Modules attn4j does not compute, or in an order sentence-transformers would not run, are errors, never skipped.
    Files.writeString(dir.resolve("modules.json"), """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
         {"idx": 2, "name": "2", "path": "2_LayerNorm", "type": "sentence_transformers.models.LayerNorm"}]""");
    assertError(() -> SentenceTransformersConfig.read(dir), "module type 'sentence_transformers.models.LayerNorm' is not supported");
    Files.writeString(dir.resolve("modules.json"), """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "3_Dense", "type": "sentence_transformers.models.Dense"},
         {"idx": 2, "name": "2", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]""");
    assertError(() -> SentenceTransformersConfig.read(dir), "must come after the Pooling module");
  }

  private interface Read {
    Object run() throws IOException;
  }

  private static void assertError(Read read, String message) {
    var e = assertThrows(ModelFormatException.class, read::run);
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void aDenseLayerChecksItsInput() throws IOException {
    write(dir.resolve("d"), random(3, 2, true, "torch.nn.modules.activation.ReLU", 4));
    DenseLayer d = DenseLayer.read(dir.resolve("d"));
    assertEquals(List.of(2, 3), List.of(d.inFeatures(), d.outFeatures()));
    assertThrows(IllegalArgumentException.class, () -> d.apply(new float[3]));
    for (float v : d.apply(new float[] {1, -1})) {
      assertTrue(v >= 0, "ReLU");
    }
  }
}
