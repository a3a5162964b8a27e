package dev.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.attn4j.api.Backends;
import dev.attn4j.api.cache.UserCache;
import dev.attn4j.api.encoder.SeededEncoder;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertConfig;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.ModelInput;
import dev.attn4j.models.onnx.OnnxImport;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ONNX export bench writes for a preset: attn4j's importer reads it as the intended shape, and ONNX Runtime, running
 * the file itself, computes what attn4j computes from the imported weights, padding included.
 */
class PresetOnnxTest {
  /**
   * Every form (PyTorch's opset-11 export, its opset-17 one with LayerNormalization, and the Gemm / Gelu rows form),
   * each with erf GELU and with tanh GELU (PyTorch's Tanh decomposition, or {@code Gelu approximate="tanh"}).
   */
  static Stream<Arguments> formsAndActivations() {
    return Arrays.stream(PresetOnnx.Form.values())
        .flatMap(f -> Stream.of(Arguments.of(f, Activation.GELU), Arguments.of(f, Activation.GELU_TANH)));
  }

  @ParameterizedTest
  @MethodSource("formsAndActivations")
  void onnxRuntimeAndAttn4jAgreeOnTheExport(PresetOnnx.Form form, Activation activation, @TempDir Path dir) throws Exception {
    SeededEncoder.Preset shape = new SeededEncoder.Preset(2, 32, 4, 64);
    Path onnx = PresetOnnx.write(shape, 100, 7, dir, form, activation);
    byte[] first = Files.readAllBytes(onnx);
    assertArrayEquals(first, Files.readAllBytes(PresetOnnx.write(shape, 100, 7, dir.resolve("again"), form, activation)),
        "same seed, same file");

    Path converted = OnnxImport.convert(onnx, null, null, dir.resolve("attn4j"));
    BertConfig c = BertConfig.read(converted.resolve("config.json"));
    assertEquals(2, c.layers());
    assertEquals(32, c.hiddenSize());
    assertEquals(4, c.heads());
    assertEquals(64, c.intermediateSize());
    assertEquals(100, c.vocabSize());
    assertEquals(1e-12, c.layerNormEps(), 1e-18);
    assertEquals(activation, c.activation());

    // Two sequences, the second padded after three tokens; every id and both token types used somewhere.
    long[][] ids = {{2, 17, 99, 40, 5, 3}, {2, 61, 3, 0, 0, 0}};
    long[][] mask = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}};
    long[][] types = {{0, 0, 0, 1, 1, 1}, {0, 1, 1, 0, 0, 0}};
    float[][][] expected;
    try (OrtRunner ort = new OrtRunner(onnx, 1)) {
      expected = ort.lastHiddenState(new OrtRunner.Inputs(ids, mask, types));
    }
    try (BertModel bert = BertModel.load(converted);
        Backend java = Backends.registry().find("java").orElseThrow().create(BackendOptions.defaults().withThreads(1));
        TensorScope s = TensorScope.open()) {
      float[] got = bert.forward(java, s, new ModelInput(BenchCommand.ints(ids), BenchCommand.ints(types), BenchCommand.ints(mask)), false, false).lastHiddenState().toArray();
      assertEquals(2 * 6 * 32, got.length);
      double max = 0;
      for (int i = 0; i < got.length; i++) {
        // Padded positions too: both compute them the same way (the mask removes keys, not queries).
        max = Math.max(max, Math.abs(got[i] - expected[i / (6 * 32)][i / 32 % 6][i % 32]));
      }
      assertTrue(max < 1e-4, "max |attn4j - ONNX Runtime| = " + max);
    }
  }

  @Test
  void onnxRuntimeLoadsItsLibrariesFromTheUserCache() throws Exception {
    assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"), "only linux-x64 is redirected");
    assertTrue(OrtRunner.version().matches("\\d+\\.\\d+.*"));
    Path dir = Path.of(System.getProperty("onnxruntime.native.path"));
    assertTrue(Files.isRegularFile(dir.resolve("libonnxruntime.so")) && Files.isRegularFile(dir.resolve("libonnxruntime4j_jni.so")), dir.toString());
    assertTrue(dir.startsWith(UserCache.root()), dir + " is not in the attn4j cache");
  }
}
