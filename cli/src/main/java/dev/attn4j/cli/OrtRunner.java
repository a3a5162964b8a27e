package dev.attn4j.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * ONNX Runtime (CPU execution provider, all graph optimizations) on an ONNX BERT export, for {@code bench --vs
 * onnxruntime}: same model file, same inputs, same thread count as attn4j's backends. Not thread-safe.
 */
final class OrtRunner implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  OrtRunner(Path onnx, int threads) throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setIntraOpNumThreads(threads);
    o.setInterOpNumThreads(1);
    o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    session = env.createSession(onnx.toString(), o);
  }

  /** Version of the loaded runtime. */
  static String version() {
    return OrtEnvironment.getEnvironment().getVersion();
  }

  /** One forward pass on {@code ids} (all tokens real, segment 0); returns the first value of the first output. */
  float forward(long[][] ids) throws OrtException {
    long[][] mask = new long[ids.length][ids[0].length];
    long[][] types = new long[ids.length][ids[0].length];
    for (long[] row : mask) {
      java.util.Arrays.fill(row, 1);
    }
    Map<String, OnnxTensor> in = new HashMap<>();
    try {
      for (String name : session.getInputNames()) {
        long[][] v = switch (name) {
          case "input_ids" -> ids;
          case "attention_mask" -> mask;
          case "token_type_ids" -> types;
          default -> throw new IllegalArgumentException("the ONNX model has an input '" + name + "' that bench does not know how to fill");
        };
        in.put(name, OnnxTensor.createTensor(env, v));
      }
      try (OrtSession.Result r = session.run(in)) {
        float[][][] out = (float[][][]) r.get(0).getValue();
        return out[0][0][0];
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
