package dev.attn4j.conformance;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.attn4j.api.attention.AttentionMask;
import dev.attn4j.api.encoder.Encoder;
import dev.attn4j.api.encoder.SeededEncoder;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import dev.attn4j.spi.Transpose;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.DynamicNode;

/**
 * Determinism: the same backend, inputs and thread count must give bit-identical results on every run (a failure
 * names the first differing element); whether results also match between one thread and several is only reported
 * (the case passes and says "identical" or how far apart they are), since a parallel reduction may legitimately
 * reorder sums.
 */
final class DeterminismCases {
  private static final int REPEATS = 3;
  /** Enough calls of a small workload for a JIT to compile the kernels (HotSpot's C2 threshold is ~10^4 loop iterations). */
  private static final int WARM_CALLS = 20_000;

  /** A workload: fresh, seeded inputs, one or more kernel calls, and the output's values. */
  private record Workload(String name, Function<Backend, float[]> run) {}

  private static final List<Workload> WORKLOADS = List.of(
      new Workload("GEMM 4x[67x300]x[300x45]^T", DeterminismCases::gemm),
      new Workload("LINEAR 37x96 -> 130 with GELU", DeterminismCases::linear),
      new Workload("SOFTMAX 9x77 with mask", DeterminismCases::softmax),
      new Workload("LAYER_NORM 9x384", DeterminismCases::layerNorm),
      new Workload("ATTENTION 2x3 heads, 21x33, padding mask, probabilities", DeterminismCases::attention),
      new Workload("ENCODER 2 layers, hidden 64, batch 2x19, padding", DeterminismCases::encoder));

  private final Backend backend;
  private final BackendProvider provider;
  private final BackendOptions options;

  DeterminismCases(Backend backend, BackendProvider provider, BackendOptions options) {
    this.backend = backend;
    this.provider = provider;
    this.options = options;
  }

  List<DynamicNode> nodes() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (Workload w : WORKLOADS) {
      nodes.add(dynamicTest("REPEAT x" + REPEATS + " bit-identical: " + w.name(), () -> repeats(w)));
    }
    nodes.add(dynamicTest("COLD vs WARM bit-identical: row kernels before and after " + WARM_CALLS + " calls (JIT tiers)", this::coldVersusWarm));
    int many = Math.max(2, options.threads());
    nodes.add(dynamicTest("ACROSS THREADS 1 vs " + many + " (reported, not required)", () -> acrossThreads(many)));
    return nodes;
  }

  private void repeats(Workload w) {
    float[] first = w.run().apply(backend);
    for (int r = 1; r < REPEATS; r++) {
      float[] again = w.run().apply(backend);
      int at = firstDifference(first, again);
      if (at >= 0) {
        throw new AssertionError(String.format("%s: run %d differs from run 1 at element %d: %s (bits %08x) vs %s (bits %08x); the same inputs "
            + "and thread count must give the same bits", w.name(), r + 1, at, again[at], Float.floatToRawIntBits(again[at]), first[at],
            Float.floatToRawIntBits(first[at])));
      }
    }
  }

  /**
   * The row kernels' first results (likely interpreted or lightly compiled) against their results after many calls
   * (fully compiled): an execution tier must not change the bits, as it did when exp and lane sums were left to the
   * implementation's choice of order and ulp.
   */
  private void coldVersusWarm() {
    float[] cold = rows(backend);
    for (int i = 0; i < WARM_CALLS; i++) {
      rows(backend);
    }
    float[] warm = rows(backend);
    int at = firstDifference(cold, warm);
    if (at >= 0) {
      throw new AssertionError(String.format("row kernels: element %d was %s (bits %08x) on the first call and %s (bits %08x) after %d calls",
          at, cold[at], Float.floatToRawIntBits(cold[at]), warm[at], Float.floatToRawIntBits(warm[at]), WARM_CALLS));
    }
  }

  private static final float[] SOFTMAX_IN = Data.uniform(21, 3 * 64, -8, 8);
  private static final float[] SOFTMAX_MASK = KernelCases.maskRow(64, 22);
  private static final float[] NORM_IN = Data.uniform(23, 3 * 64, -2, 3);
  private static final float[] NORM_GAMMA = Data.uniform(24, 64, 0.5, 1.5);
  private static final float[] NORM_BETA = Data.uniform(25, 64);
  private static final float[] GELU_IN = Data.uniform(26, 3 * 64, -6, 6);

  /** Softmax with a mask, layer norm, GELU and its tanh form on a few rows. */
  private static float[] rows(Backend b) {
    try (TensorScope s = TensorScope.open()) {
      Tensor sm = s.of(SOFTMAX_IN, 3, 64);
      b.softmax(sm, 0.7f, s.of(SOFTMAX_MASK, 1, 64));
      Tensor ln = s.of(NORM_IN, 3, 64);
      b.layerNorm(ln, s.of(NORM_GAMMA, 64), s.of(NORM_BETA, 64), 1e-5f);
      Tensor g = s.of(GELU_IN, 3, 64);
      b.activate(g, Activation.GELU);
      Tensor gt = s.of(GELU_IN, 3, 64);
      b.activate(gt, Activation.GELU_TANH);
      return Data.concat(sm.toArray(), ln.toArray(), g.toArray(), gt.toArray());
    }
  }

  /** Records how far apart the results of one and {@code many} threads are, as the case's error statistics and message. */
  private void acrossThreads(int many) {
    StringBuilder report = new StringBuilder();
    try (Backend one = provider.create(options.withThreads(1)); Backend several = provider.create(options.withThreads(many))) {
      for (Workload w : WORKLOADS) {
        float[] a = w.run().apply(one);
        float[] b = w.run().apply(several);
        Metrics m = Metrics.current();
        if (m != null) {
          m.add(Oracle.toDouble(a), b);
        }
        int at = firstDifference(a, b);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
          worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        report.append(report.isEmpty() ? "" : "; ").append(w.name()).append(": ")
            .append(at < 0 ? "identical" : String.format("differs, max abs %.3g", worst));
      }
    }
    ConformanceRunner.note(backend.name() + " determinism, 1 vs " + many + " threads: " + report);
  }

  private static int firstDifference(float[] a, float[] b) {
    if (a.length != b.length) {
      return 0;
    }
    for (int i = 0; i < a.length; i++) {
      if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
        return i;
      }
    }
    return -1;
  }

  // ---- workloads --------------------------------------------------------------------------------

  private static float[] gemm(Backend b) {
    try (TensorScope s = TensorScope.open()) {
      Tensor c = s.of(Data.nans(4 * 67 * 45), 4, 67, 45);
      b.gemm(1f, s.of(Data.uniform(1, 4 * 67 * 300), 4, 67, 300), Transpose.NONE, s.of(Data.uniform(2, 45 * 300), 45, 300), Transpose.TRANSPOSE, 0f, c);
      return c.toArray();
    }
  }

  private static float[] linear(Backend b) {
    try (TensorScope s = TensorScope.open()) {
      Tensor y = s.of(Data.nans(37 * 130), 37, 130);
      b.linear(s.of(Data.uniform(3, 37 * 96), 37, 96), s.of(Data.uniform(4, 130 * 96), 130, 96), s.of(Data.uniform(5, 130), 130), Activation.GELU, y);
      return y.toArray();
    }
  }

  private static float[] softmax(Backend b) {
    try (TensorScope s = TensorScope.open()) {
      Tensor x = s.of(Data.uniform(6, 9 * 77, -10, 10), 9, 77);
      b.softmax(x, 0.3f, s.of(KernelCases.maskRow(77, 7), 1, 77));
      return x.toArray();
    }
  }

  private static float[] layerNorm(Backend b) {
    try (TensorScope s = TensorScope.open()) {
      Tensor x = s.of(Data.uniform(8, 9 * 384, -3, 5), 9, 384);
      b.layerNorm(x, s.of(Data.uniform(9, 384, 0.5, 1.5), 384), s.of(Data.uniform(10, 384), 384), 1e-12f);
      return x.toArray();
    }
  }

  private static float[] attention(Backend b) {
    try (TensorScope s = TensorScope.open()) {
      Tensor q = s.of(Data.uniform(11, 2 * 3 * 21 * 16), 2, 3, 21, 16);
      Tensor k = s.of(Data.uniform(12, 2 * 3 * 33 * 16), 2, 3, 33, 16);
      Tensor v = s.of(Data.uniform(13, 2 * 3 * 33 * 16), 2, 3, 33, 16);
      float[] mask = new float[2 * 33];
      for (int j = 20; j < 33; j++) {
        mask[33 + j] = Float.NEGATIVE_INFINITY;
      }
      Tensor out = s.of(Data.nans(2 * 3 * 21 * 16), 2, 3, 21, 16);
      Tensor probs = s.of(Data.nans(2 * 3 * 21 * 33), 2, 3, 21, 33);
      b.scaledDotProductAttention(q, k, v, s.of(mask, 2, 1, 1, 33), 0.25f, out, probs);
      return Data.concat(out.toArray(), probs.toArray());
    }
  }

  private static float[] encoder(Backend b) {
    try (TensorScope s = TensorScope.open()) {
      Encoder enc = SeededEncoder.build(s, 2, 64, 4, 128, 14);
      Tensor x = s.of(Data.uniform(15, 2 * 19 * 64), 2, 19, 64);
      return enc.forward(b, s, x, AttentionMask.padding(19, 11)).toArray();
    }
  }
}
