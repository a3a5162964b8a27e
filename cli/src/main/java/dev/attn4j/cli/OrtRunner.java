package dev.attn4j.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.attn4j.spi.natives.NativeLibraryLocator;
import dev.attn4j.spi.natives.NativeLibrarySpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime (CPU execution provider, all graph optimizations) on an ONNX BERT export, for {@code bench --vs
 * onnxruntime}: same model file, same inputs, same thread count as attn4j's backends. Not thread-safe.
 */
final class OrtRunner implements AutoCloseable {
  private static final String NATIVE_PATH = "onnxruntime.native.path";

  static {
    useCachedNatives();
  }

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  OrtRunner(Path onnx, int threads) throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setIntraOpNumThreads(threads);
    o.setInterOpNumThreads(1);
    o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    session = env.createSession(onnx.toString(), o);
  }

  /**
   * Points ONNX Runtime at copies of its libraries in attn4j's per-user cache, extracted once. Left to itself it copies
   * them into a new {@code /tmp/onnxruntime-java*} folder in every process and leaves that folder behind on Linux
   * (empty: the files are deleted on exit, the folder is not). A {@code -Donnxruntime.native.path} given by the user
   * wins; other platforms keep ONNX Runtime's own loading.
   */
  private static void useCachedNatives() {
    if (System.getProperty(NATIVE_PATH) != null || !System.getProperty("os.name").equals("Linux") || !System.getProperty("os.arch").equals("amd64")) {
      return;
    }
    NativeLibrarySpec spec = new NativeLibrarySpec("ONNX Runtime", NATIVE_PATH, List.of(), "ai/onnxruntime/native/linux-x64",
        List.of("libonnxruntime.so", "libonnxruntime4j_jni.so"));
    try {
      // OrtEnvironment.class loads the class without initializing it: ONNX Runtime reads the property when it is initialized.
      Path dir = NativeLibraryLocator.extract(spec, OrtEnvironment.class.getClassLoader());
      if (dir != null) {
        System.setProperty(NATIVE_PATH, dir.toString());
      }
    } catch (IOException e) {
      System.getLogger(OrtRunner.class.getName()).log(System.Logger.Level.DEBUG, "ONNX Runtime loads its own libraries: " + e.getMessage());
    }
  }

  /** Version of the loaded runtime. */
  static String version() {
    return OrtEnvironment.getEnvironment().getVersion();
  }

  /** A forward pass's inputs, built once per shape so that only ONNX Runtime's own work is timed. */
  record Inputs(long[][] ids, long[][] mask, long[][] types) {}

  /** {@code ids} with every token real and in segment 0. */
  static Inputs inputs(long[][] ids) {
    long[][] mask = new long[ids.length][ids[0].length];
    for (long[] row : mask) {
      java.util.Arrays.fill(row, 1);
    }
    return new Inputs(ids, mask, new long[ids.length][ids[0].length]);
  }

  /** One forward pass; returns the first value of the first output. */
  float forward(Inputs inputs) throws OrtException {
    return lastHiddenState(inputs)[0][0][0];
  }

  /** One forward pass's first output, {@code [batch, seq, hidden]} (the export's last hidden state). */
  float[][][] lastHiddenState(Inputs inputs) throws OrtException {
    Map<String, OnnxTensor> in = new HashMap<>();
    try {
      for (String name : session.getInputNames()) {
        long[][] v = switch (name) {
          case "input_ids" -> inputs.ids();
          case "attention_mask" -> inputs.mask();
          case "token_type_ids" -> inputs.types();
          default -> throw new IllegalArgumentException("the ONNX model has an input '" + name + "' that bench does not know how to fill");
        };
        in.put(name, OnnxTensor.createTensor(env, v));
      }
      try (OrtSession.Result r = session.run(in)) {
        return (float[][][]) r.get(0).getValue();
      }
    } finally {
      in.values().forEach(OnnxTensor::close);
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
