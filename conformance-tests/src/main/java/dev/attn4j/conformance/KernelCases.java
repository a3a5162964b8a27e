package dev.attn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.PreparedWeight;
import dev.attn4j.spi.Transpose;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

/**
 * Every SPI kernel of a backend against the float64 {@link Oracle}, over awkward shapes (1x1, sequences of 1, sizes
 * that are not multiples of 8 or 16, large K, batched and strided views, transposed operands), with fresh seeded
 * data and NaN-poisoned outputs, each element held to its {@link Tolerances} budget.
 */
final class KernelCases {
  private final Backend backend;
  private final Tolerances tol;

  KernelCases(Backend backend, Tolerances tol) {
    this.backend = backend;
    this.tol = tol;
  }

  /** The cases, grouped by kernel. */
  List<DynamicNode> nodes() {
    List<DynamicNode> gemm = new ArrayList<>(gemm().toList());
    gemm.add(dynamicTest("GEMM batched, strided and broadcast", this::gemmBatchedStridedAndBroadcast));
    for (int[] bs : new int[][] {{1, 7}, {2, 7}, {3, 1}, {1, 1}}) {
      gemm.add(dynamicTest("GEMM on permuted head views(batch=" + bs[0] + ",seq=" + bs[1] + ")", () -> gemmOnPermutedHeadViews(bs[0], bs[1])));
    }
    gemm.add(dynamicTest("GEMM into a transposed output with broadcast rows", this::gemmIntoTransposedOutputWithBroadcastRows));
    gemm.add(dynamicTest("GEMM with K=0 scales C", this::gemmWithZeroKScalesC));
    gemm.add(dynamicTest("GEMM rejects bad shapes", this::gemmRejectsBadShapes));
    gemm.add(dynamicTest("kernels reject closed tensors", this::kernelsRejectClosedTensors));
    List<DynamicNode> rows = new ArrayList<>(activations().toList());
    rows.add(dynamicTest("RELU keeps NaN", this::reluKeepsNan));
    rows.addAll(softmax().toList());
    rows.add(dynamicTest("SOFTMAX fully masked row is 0, not NaN", this::softmaxFullyMaskedRowIsZeroNotNaN));
    rows.addAll(layerNorm().toList());
    rows.add(dynamicTest("ADD_BIAS and ADD", this::biasAddAndResidualAdd));
    rows.add(dynamicTest("LINEAR with bias and GELU", this::linearWithBiasAndGelu));
    rows.add(dynamicTest("LINEAR with a prepared weight, 2x37x600 -> 70, GELU", () -> preparedLinear(2, 37, 600, 70, Activation.GELU)));
    rows.add(dynamicTest("LINEAR into a column slice of a wider tensor, 64x96 -> 200, GELU", () -> linearIntoSlice(64, 96, 200, Activation.GELU, false)));
    rows.add(dynamicTest("LINEAR into a column slice of a wider tensor, 300x32 -> 40, bias only", () -> linearIntoSlice(300, 32, 40, Activation.IDENTITY, false)));
    rows.add(dynamicTest("LINEAR into a column slice with a strided bias, 64x96 -> 200, GELU", () -> linearIntoSlice(64, 96, 200, Activation.GELU, true)));
    rows.add(dynamicTest("LINEAR with a prepared weight, 1x5x24 -> 1", () -> preparedLinear(1, 5, 24, 1, Activation.IDENTITY)));
    rows.add(dynamicTest("LINEAR with a prepared weight after its close(): closing twice is harmless, then an IllegalStateException "
        + "or the right product, never freed memory", () -> closedPreparedLinear(3, 64, 48)));
    List<DynamicNode> attention = new ArrayList<>(attention().toList());
    attention.add(dynamicTest("ATTENTION without probabilities, cross lengths", this::attentionWithoutProbabilitiesAndCrossLengths));
    return List.of(dynamicContainer("gemm", gemm), dynamicContainer("rows", rows), dynamicContainer("attention", attention));
  }

  // ---- GEMM ------------------------------------------------------------------------------------

  private static final int[][] GEMM_SHAPES = {
    {1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {3, 4, 1}, {7, 13, 17}, {8, 32, 16}, {9, 33, 257}, {17, 31, 5}, {33, 65, 300},
    {64, 64, 64}, {130, 70, 1030}, {200, 3, 50}, {2, 300, 40}
  };

  private Stream<DynamicTest> gemm() {
    List<DynamicTest> tests = new ArrayList<>();
    long seed = 1;
    for (int[] s : GEMM_SHAPES) {
      for (Transpose ta : Transpose.values()) {
        for (Transpose tb : Transpose.values()) {
          long sd = seed++;
          tests.add(dynamicTest("GEMM(m=" + s[0] + ",n=" + s[1] + ",k=" + s[2] + ",A=" + ta + ",B=" + tb + ",seed=" + sd + ")",
              () -> gemmCase(s[0], s[1], s[2], ta, tb, 1f, 0f, sd)));
        }
      }
    }
    tests.add(dynamicTest("GEMM(m=19,n=21,k=23,alpha=0.5,beta=2)", () -> gemmCase(19, 21, 23, Transpose.NONE, Transpose.TRANSPOSE, 0.5f, 2f, 99)));
    tests.add(dynamicTest("GEMM(m=40,n=40,k=300,alpha=-1,beta=1,A=T)", () -> gemmCase(40, 40, 300, Transpose.TRANSPOSE, Transpose.NONE, -1f, 1f, 98)));
    return tests.stream();
  }

  /**
   * Budget: a float32 dot product of length k has error at most {@code gamma_k * sum|a||b|},
   * {@code gamma_k ~ k u}, whatever the summation order (blocking, FMA, threads); times |alpha|, plus the
   * rounding of the beta term.
   */
  private void gemmCase(int m, int n, int k, Transpose ta, Transpose tb, float alpha, float beta, long seed) {
    float[] a = Data.uniform(seed, m * k);
    float[] b = Data.uniform(seed + 1000, k * n);
    float[] c0 = Data.uniform(seed + 2000, m * n);
    try (TensorScope s = TensorScope.open()) {
      Tensor ta2 = ta == Transpose.TRANSPOSE ? s.of(Data.transpose(a, m, k), k, m) : s.of(a, m, k);
      Tensor tb2 = tb == Transpose.TRANSPOSE ? s.of(Data.transpose(b, k, n), n, k) : s.of(b, k, n);
      Tensor c = s.of(beta == 0 ? Data.nans(m * n) : c0, m, n);
      backend.gemm(alpha, ta2, ta, tb2, tb, beta, c);
      double[] ref = Oracle.matmul(Oracle.toDouble(a), Oracle.toDouble(b), m, n, k);
      double[] mag = Oracle.matmul(Oracle.abs(Oracle.toDouble(a)), Oracle.abs(Oracle.toDouble(b)), m, n, k);
      for (int i = 0; i < ref.length; i++) {
        ref[i] = alpha * ref[i] + (beta == 0 ? 0 : beta * (double) c0[i]);
      }
      Budget.check("GEMM m=" + m + " n=" + n + " k=" + k + " seed=" + seed, ref, c.toArray(),
          i -> tol.gemm(k, alpha, mag[i], beta * c0[i]));
    }
  }

  private void gemmBatchedStridedAndBroadcast() {
    int batch = 3;
    int heads = 2;
    int m = 11;
    int n = 9;
    int k = 37;
    try (TensorScope s = TensorScope.open()) {
      // A is a strided view: every other column block of a wider buffer, permuted like split heads.
      float[] wide = Data.uniform(7, batch * m * heads * k * 2);
      Tensor buf = s.of(wide, batch, m, heads, 2 * k);
      Tensor a = buf.slice(3, k, k).permute(0, 2, 1, 3); // [batch, heads, m, k], non-contiguous
      float[] w = Data.uniform(8, n * k);
      Tensor weight = s.of(w, n, k); // broadcast across batch and heads, used transposed
      Tensor out = s.of(Data.nans(batch * m * heads * n), batch, m, heads, n).permute(0, 2, 1, 3); // written through a strided view
      backend.gemm(1f, a, Transpose.NONE, weight, Transpose.TRANSPOSE, 0f, out);
      double[] wt = Oracle.transpose(Oracle.toDouble(w), n, k);
      for (int bi = 0; bi < batch; bi++) {
        for (int h = 0; h < heads; h++) {
          double[] ad = Oracle.toDouble(a.select(0, bi).select(0, h).toArray());
          checkProduct("batched GEMM b=" + bi + " h=" + h, ad, wt, m, n, k, out.select(0, bi).select(0, h).toArray());
        }
      }
    }
  }

  /**
   * Attention's per-head products on head views of a fused {@code [batch, seq, 3, heads, d]} projection:
   * {@code Q K^T} with K permuted to {@code [batch, heads, d, seq]}, then {@code P V}. Size-1 axes matter: a batch of 1 whose stride tied with another
   * axis's, and a sequence of 1 in a batch of 3, each once made a native library compute garbage.
   */
  private void gemmOnPermutedHeadViews(int batch, int seq) {
    int heads = 3;
    int d = 5;
    try (TensorScope s = TensorScope.open()) {
      // Q, K and V are slices of one fused projection [batch, seq, 3, heads, d], as a fused QKV layer leaves them.
      Tensor qkv = s.of(Data.uniform(31, batch * seq * 3 * heads * d), batch, seq, 3, heads, d);
      Tensor q = qkv.select(2, 0).permute(0, 2, 1, 3);
      Tensor kt = qkv.select(2, 1).permute(0, 2, 3, 1);
      Tensor out = s.of(Data.nans(batch * heads * seq * seq), batch, heads, seq, seq);
      backend.gemm(1f, q, Transpose.NONE, kt, Transpose.NONE, 0f, out);
      // Then P V: dense probabilities times the value heads.
      Tensor p = s.of(Data.uniform(33, batch * heads * seq * seq), batch, heads, seq, seq);
      Tensor v = qkv.select(2, 2).permute(0, 2, 1, 3);
      Tensor ctx = s.of(Data.nans(batch * heads * seq * d), batch, heads, seq, d);
      backend.gemm(1f, p, Transpose.NONE, v, Transpose.NONE, 0f, ctx);
      for (int bi = 0; bi < batch; bi++) {
        for (int h = 0; h < heads; h++) {
          checkProduct("per-head Q K^T b=" + bi + " h=" + h, Oracle.toDouble(q.select(0, bi).select(0, h).toArray()),
              Oracle.toDouble(kt.select(0, bi).select(0, h).toArray()), seq, seq, d, out.select(0, bi).select(0, h).toArray());
          checkProduct("per-head P V b=" + bi + " h=" + h, Oracle.toDouble(p.select(0, bi).select(0, h).toArray()),
              Oracle.toDouble(v.select(0, bi).select(0, h).toArray()), seq, d, seq, ctx.select(0, bi).select(0, h).toArray());
        }
      }
    }
  }

  private void gemmIntoTransposedOutputWithBroadcastRows() {
    int m = 6;
    int n = 10;
    int k = 33;
    try (TensorScope s = TensorScope.open()) {
      float[] row = Data.uniform(21, k);
      float[] b = Data.uniform(22, k * n);
      Tensor a = s.of(row, 1, k).expand(Shape.of(m, k)); // every row of A is the same memory (row stride 0)
      Tensor c = s.of(Data.nans(m * n), n, m).transpose(); // column-major output
      backend.gemm(1f, a, Transpose.NONE, s.of(b, k, n), Transpose.NONE, 0f, c);
      double[] ad = new double[m * k];
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < k; j++) {
          ad[i * k + j] = row[j];
        }
      }
      checkProduct("GEMM broadcast rows into C^T", ad, Oracle.toDouble(b), m, n, k, c.toArray());
      // And with an ordinary A: a column-major C alone is expressible to BLAS-style kernels.
      float[] a2 = Data.uniform(23, m * k);
      backend.gemm(1f, s.of(a2, m, k), Transpose.NONE, s.of(b, k, n), Transpose.NONE, 0f, c);
      checkProduct("GEMM into C^T", Oracle.toDouble(a2), Oracle.toDouble(b), m, n, k, c.toArray());
    }
  }

  /** {@code got} against {@code a [m,k] * b [k,n]} in float64, with the GEMM budget {@code (k + 2) u |A||B|}. */
  private void checkProduct(String what, double[] a, double[] b, int m, int n, int k, float[] got) {
    double[] ref = Oracle.matmul(a, b, m, n, k);
    double[] mag = Oracle.matmul(Oracle.abs(a), Oracle.abs(b), m, n, k);
    Budget.check(what, ref, got, i -> tol.product(k, mag[i]));
  }

  private void gemmWithZeroKScalesC() {
    try (TensorScope s = TensorScope.open()) {
      Tensor c = s.of(new float[] {1, 2, 3, 4}, 2, 2);
      backend.gemm(1f, s.allocate(2, 0), Transpose.NONE, s.allocate(0, 2), Transpose.NONE, 3f, c);
      assertEquals(List.of(3f, 6f, 9f, 12f), boxed(c.toArray()));
      backend.gemm(1f, s.allocate(1, 0), Transpose.NONE, s.allocate(0, 2), Transpose.NONE, 0f, c.slice(0, 0, 1));
      assertEquals(List.of(0f, 0f, 9f, 12f), boxed(c.toArray()));
    }
  }

  private void gemmRejectsBadShapes() {
    try (TensorScope s = TensorScope.open()) {
      Tensor a = s.allocate(3, 4);
      Tensor b = s.allocate(5, 6);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> backend.gemm(1f, a, Transpose.NONE, b, Transpose.NONE, 0f, s.allocate(3, 6)));
      assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5, 6]"), e.getMessage());
      assertThrows(IllegalArgumentException.class,
          () -> backend.gemm(1f, s.allocate(2, 3, 4), Transpose.NONE, s.allocate(3, 4, 5), Transpose.NONE, 0f, s.allocate(2, 3, 5)));
      Tensor c = s.allocate(3, 3);
      assertThrows(IllegalArgumentException.class, () -> backend.gemm(1f, c, Transpose.NONE, c, Transpose.NONE, 0f, c), "output overlaps input");
      assertThrows(IllegalArgumentException.class,
          () -> backend.gemm(1f, s.allocate(3, 3), Transpose.NONE, s.allocate(3, 3), Transpose.NONE, 0f, s.allocate(1, 3).expand(c.shape())));
    }
  }

  private void kernelsRejectClosedTensors() {
    Tensor a;
    try (TensorScope s = TensorScope.open()) {
      a = s.allocate(4, 4);
    }
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> backend.gemm(1f, a, Transpose.NONE, a, Transpose.NONE, 0f, a));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> backend.softmax(a, 1f, null));
    assertThrows(IllegalStateException.class, () -> backend.activate(a, Activation.GELU));
  }

  // ---- element-wise and row kernels ------------------------------------------------------------

  private static final int[] WIDTHS = {1, 3, 4, 6, 8, 13, 16, 17, 31, 32, 33, 64, 100, 384, 768, 1030};

  private Stream<DynamicTest> activations() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Activation act : Activation.values()) {
      for (int n : WIDTHS) {
        tests.add(dynamicTest("ACTIVATE(" + act + ",shape=[3," + n + "])", () -> activationCase(act, 3, n)));
      }
    }
    return tests.stream();
  }

  /**
   * Budget: GELU computes Phi with a fit of relative error 1.2e-7 and one exp, plus ~16 float roundings:
   * {@code 16 u |x|} absolute (the output never exceeds |x|). tanh form likewise. ReLU and identity are exact.
   */
  private void activationCase(Activation act, int rows, int n) {
    float[] x = Data.uniform(n * 31L + act.ordinal(), rows * n, -12, 12);
    x[0] = 0f;
    if (x.length > 2) {
      x[1] = -0.5f;
      x[2] = 3e-8f;
    }
    try (TensorScope s = TensorScope.open()) {
      Tensor t = s.of(x, rows, n);
      backend.activate(t, act);
      double[] ref = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        ref[i] = switch (act) {
          case IDENTITY -> x[i];
          case RELU -> Math.max(0, x[i]);
          case GELU -> Oracle.gelu(x[i]);
          case GELU_TANH -> Oracle.geluTanh(x[i]);
        };
      }
      boolean exact = act == Activation.IDENTITY || act == Activation.RELU;
      Budget.check(act + " n=" + n, ref, t.toArray(), i -> tol.activation(exact, x[i]));
    }
  }

  private void reluKeepsNan() {
    try (TensorScope s = TensorScope.open()) {
      Tensor t = s.of(new float[] {Float.NaN, -1, 2}, 1, 3);
      backend.activate(t, Activation.RELU);
      float[] r = t.toArray();
      assertTrue(Float.isNaN(r[0]));
      assertEquals(0f, r[1]);
      assertEquals(2f, r[2]);
    }
  }

  private Stream<DynamicTest> softmax() {
    List<DynamicTest> tests = new ArrayList<>();
    for (int n : WIDTHS) {
      tests.add(dynamicTest("SOFTMAX(shape=[5," + n + "],scale=0.125,mask=none)", () -> softmaxCase(5, n, 0.125f, false)));
      tests.add(dynamicTest("SOFTMAX(shape=[5," + n + "],scale=1,mask=random)", () -> softmaxCase(5, n, 1f, true)));
    }
    return tests.stream();
  }

  /**
   * Budget: each logit is rounded (relative u, amplified by |z| through exp), exp adds ~2u, the float sum of
   * n terms adds at most n u relative: {@code |dp| <= (n + 8 + |z|) u p}, with z the shifted logit.
   */
  private void softmaxCase(int rows, int n, float scale, boolean masked) {
    float[] x = Data.uniform(n * 7L + rows, rows * n, -20, 20);
    float[] mask = masked ? maskRow(n, 3 + n) : null;
    try (TensorScope s = TensorScope.open()) {
      Tensor t = s.of(x, rows, n);
      Tensor m = masked ? s.of(mask, 1, n) : null; // broadcast over rows
      backend.softmax(t, scale, m);
      double[] md = masked ? tile(mask, rows) : null;
      double[] ref = Oracle.softmax(Oracle.toDouble(x), md, n, scale);
      Budget.check("softmax n=" + n, ref, t.toArray(), i -> {
        double z = Math.abs(scale * x[i]) + 40 * Math.abs(scale) + 4;
        return tol.softmax(n, z, ref[i]);
      });
    }
  }

  private void softmaxFullyMaskedRowIsZeroNotNaN() {
    try (TensorScope s = TensorScope.open()) {
      float inf = Float.NEGATIVE_INFINITY;
      Tensor t = s.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
      Tensor m = s.of(new float[] {inf, inf, inf, 0, inf, 0}, 2, 3);
      backend.softmax(t, 1f, m);
      float[] r = t.toArray();
      assertEquals(List.of(0f, 0f, 0f), boxed(new float[] {r[0], r[1], r[2]}));
      assertEquals(0f, r[4]);
      assertEquals(1.0, r[3] + r[5], 1e-6);
      assertEquals(Math.exp(4) / (Math.exp(4) + Math.exp(6)), r[3], 1e-6);
    }
  }

  private Stream<DynamicTest> layerNorm() {
    List<DynamicTest> tests = new ArrayList<>();
    for (int n : WIDTHS) {
      if (n > 1) {
        tests.add(dynamicTest("LAYER_NORM(shape=[4," + n + "],eps=1e-12,offset=0)", () -> layerNormCase(4, n, 1e-12f, 0)));
        tests.add(dynamicTest("LAYER_NORM(shape=[4," + n + "],eps=1e-5,offset=100)", () -> layerNormCase(4, n, 1e-5f, 100)));
      }
    }
    for (int n : new int[] {2, 17, 384}) {
      for (float eps : new float[] {1e-5f, 1e-3f}) {
        tests.add(dynamicTest("LAYER_NORM(shape=[3," + n + "],eps=" + eps + ",variance~eps)", () -> layerNormEpsCase(3, n, eps)));
      }
    }
    return tests.stream();
  }

  /**
   * Budget: mean and variance summed in float over n terms carry relative error up to ~n u each (two-pass, so
   * no cancellation from the offset beyond |mean| u per element); normalization adds a few u:
   * {@code |dy| <= (2n + 16) u (|x_hat gamma| + |beta|) + 4 u |mean| / sigma * |gamma|}.
   */
  private void layerNormCase(int rows, int n, float eps, float offset) {
    float[] x = Data.uniform(n * 13L, rows * n, offset - 2, offset + 2);
    float[] g = Data.uniform(n * 17L, n, 0.5, 1.5);
    float[] b = Data.uniform(n * 19L, n);
    try (TensorScope s = TensorScope.open()) {
      Tensor t = s.of(x, rows, n);
      backend.layerNorm(t, s.of(g, n), s.of(b, n), eps);
      double[] ref = Oracle.layerNorm(Oracle.toDouble(x), Oracle.toDouble(g), Oracle.toDouble(b), n, eps);
      Budget.check("layerNorm n=" + n + " offset=" + offset, ref, t.toArray(),
          i -> tol.layerNorm(n, ref[i], b[i % n], (Math.abs(offset) + 2) / 0.5, g[i % n]));
    }
  }

  /**
   * Rows whose variance is of the order of eps, so that eps visibly changes the result: a kernel that ignores or
   * replaces eps fails here. The budget is the layer norm one with the row spread in place of the offset.
   */
  private void layerNormEpsCase(int rows, int n, float eps) {
    float spread = (float) Math.sqrt(eps);
    float[] x = Data.uniform(n * 23L + rows, rows * n, 1 - spread, 1 + spread);
    float[] g = Data.uniform(n * 29L, n, 0.5, 1.5);
    float[] b = Data.uniform(n * 31L, n);
    try (TensorScope s = TensorScope.open()) {
      Tensor t = s.of(x, rows, n);
      backend.layerNorm(t, s.of(g, n), s.of(b, n), eps);
      double[] ref = Oracle.layerNorm(Oracle.toDouble(x), Oracle.toDouble(g), Oracle.toDouble(b), n, eps);
      Budget.check("layerNorm n=" + n + " eps=" + eps, ref, t.toArray(), i -> tol.layerNorm(n, ref[i], b[i % n], 1 / Math.sqrt(eps), g[i % n]));
    }
  }

  private void biasAddAndResidualAdd() {
    int rows = 7;
    int n = 37;
    float[] x = Data.uniform(41, rows * n);
    float[] y = Data.uniform(42, rows * n);
    float[] bias = Data.uniform(43, n);
    try (TensorScope s = TensorScope.open()) {
      Tensor t = s.of(x, rows, n);
      backend.addBias(t, s.of(bias, n));
      backend.add(t, s.of(y, rows, n));
      double[] ref = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        ref[i] = (double) x[i] + bias[i % n] + y[i];
      }
      // Two float additions: 2 u relative to the magnitudes involved.
      Budget.check("addBias+add", ref, t.toArray(), i -> tol.additions(2, Math.abs(x[i]) + Math.abs(bias[i % n]) + Math.abs(y[i])));
    }
  }

  private void linearWithBiasAndGelu() {
    int rows = 19;
    int in = 40;
    int out = 33;
    float[] x = Data.uniform(51, rows * in);
    float[] w = Data.uniform(52, out * in);
    float[] b = Data.uniform(53, out);
    try (TensorScope s = TensorScope.open()) {
      Tensor y = s.of(Data.nans(rows * out), rows, out);
      backend.linear(s.of(x, rows, in), s.of(w, out, in), s.of(b, out), Activation.GELU, y);
      double[] pre = Oracle.matmul(Oracle.toDouble(x), Oracle.transpose(Oracle.toDouble(w), out, in), rows, out, in);
      double[] mag = Oracle.matmul(Oracle.abs(Oracle.toDouble(x)), Oracle.abs(Oracle.transpose(Oracle.toDouble(w), out, in)), rows, out, in);
      double[] ref = new double[pre.length];
      for (int i = 0; i < pre.length; i++) {
        ref[i] = Oracle.gelu(pre[i] + b[i % out]);
      }
      Budget.check("linear+gelu", ref, y.toArray(), i -> tol.linearGelu(in, mag[i], b[i % out], pre[i] + b[i % out]));
    }
  }

  /**
   * {@code prepareWeight} once, then {@code linear} with it on two different inputs: both against the oracle, and
   * the second input's result equal to the unprepared call's within budget.
   */
  private void preparedLinear(int batch, int rows, int in, int out, Activation act) {
    float[] w = Data.uniform(61, out * in);
    float[] b = Data.uniform(62, out);
    double[] wt = Oracle.transpose(Oracle.toDouble(w), out, in);
    double[] wtAbs = Oracle.abs(wt);
    try (TensorScope s = TensorScope.open()) {
      Tensor weight = s.of(w, out, in);
      Tensor bias = s.of(b, out);
      PreparedWeight prepared = backend.prepareWeight(weight);
      for (long seed : new long[] {63, 64}) {
        float[] x = Data.uniform(seed, batch * rows * in);
        Tensor y = s.of(Data.nans(batch * rows * out), batch, rows, out);
        backend.linear(s.of(x, batch, rows, in), weight, prepared, bias, act, y);
        double[] pre = Oracle.matmul(Oracle.toDouble(x), wt, batch * rows, out, in);
        double[] mag = Oracle.matmul(Oracle.abs(Oracle.toDouble(x)), wtAbs, batch * rows, out, in);
        double[] ref = linearReference(pre, b, act);
        Budget.check("prepared linear", ref, y.toArray(), i -> tol.linearGelu(in, mag[i], b[i % out], pre[i] + b[i % out]));
      }
    }
  }

  /**
   * {@code linear} into columns {@code [8, 8 + out)} of a wider tensor, a product large enough for a backend to split
   * over its threads: the slice against the oracle, and every element outside it untouched (bias and activation
   * applied block by block must stay inside the output). With {@code stridedBias} the bias is a view with stride 2.
   */
  private void linearIntoSlice(int rows, int in, int out, Activation act, boolean stridedBias) {
    int pad = 8;
    int width = out + 2 * pad + 1;
    float[] x = Data.uniform(71, rows * in);
    float[] w = Data.uniform(72, out * in);
    float[] b = Data.uniform(73, out);
    float[] around = Data.uniform(74, rows * width);
    double[] wt = Oracle.transpose(Oracle.toDouble(w), out, in);
    try (TensorScope s = TensorScope.open()) {
      Tensor wide = s.of(around, rows, width);
      Tensor bias = stridedBias ? s.of(interleavedWithNans(b), out, 2).select(1, 0) : s.of(b, out);
      backend.linear(s.of(x, rows, in), s.of(w, out, in), bias, act, wide.slice(1, pad, out));
      float[] got = wide.toArray();
      double[] pre = Oracle.matmul(Oracle.toDouble(x), wt, rows, out, in);
      double[] mag = Oracle.matmul(Oracle.abs(Oracle.toDouble(x)), Oracle.abs(wt), rows, out, in);
      double[] ref = linearReference(pre, b, act);
      float[] slice = new float[pre.length];
      for (int i = 0; i < pre.length; i++) {
        slice[i] = got[i / out * width + pad + i % out];
      }
      Budget.check("linear into a slice", ref, slice, i -> tol.linearGelu(in, mag[i], b[i % out], pre[i] + b[i % out]));
      for (int i = 0; i < got.length; i++) {
        int col = i % width;
        if (col < pad || col >= pad + out) {
          assertEquals(Float.floatToRawIntBits(around[i]), Float.floatToRawIntBits(got[i]), "element [" + i / width + ", " + col
              + "] outside the output slice [" + pad + ", " + (pad + out) + ") was written");
        }
      }
    }
  }

  /** {@code act(pre + b)} row by row, for {@code pre} the float64 product {@code [rows, b.length]}; GELU or identity. */
  private static double[] linearReference(double[] pre, float[] b, Activation act) {
    double[] ref = new double[pre.length];
    for (int i = 0; i < pre.length; i++) {
      double v = pre[i] + b[i % b.length];
      ref[i] = act == Activation.GELU ? Oracle.gelu(v) : v;
    }
    return ref;
  }

  /** {@code b[0], NaN, b[1], NaN, ...}: column 0 of it is {@code b} with stride 2; reading between poisons the result. */
  private static float[] interleavedWithNans(float[] b) {
    float[] out = Data.nans(2 * b.length);
    for (int i = 0; i < b.length; i++) {
      out[2 * i] = b[i];
    }
    return out;
  }

  /** A prepared copy closed twice, then passed to {@code linear}: rejected, or the weight's product all the same. */
  private void closedPreparedLinear(int rows, int in, int out) {
    float[] w = Data.uniform(65, out * in);
    float[] x = Data.uniform(66, rows * in);
    try (TensorScope s = TensorScope.open()) {
      Tensor weight = s.of(w, out, in);
      PreparedWeight prepared = backend.prepareWeight(weight);
      if (prepared == null) {
        return; // nothing prepared, nothing to close
      }
      prepared.close();
      prepared.close();
      Tensor y = s.of(Data.nans(rows * out), rows, out);
      try {
        backend.linear(s.of(x, rows, in), weight, prepared, null, Activation.IDENTITY, y);
      } catch (IllegalStateException rejected) {
        return;
      }
      double[] wt = Oracle.transpose(Oracle.toDouble(w), out, in);
      double[] ref = Oracle.matmul(Oracle.toDouble(x), wt, rows, out, in);
      double[] mag = Oracle.matmul(Oracle.abs(Oracle.toDouble(x)), Oracle.abs(wt), rows, out, in);
      Budget.check("linear with a closed prepared weight", ref, y.toArray(), i -> tol.linearGelu(in, mag[i], 0, ref[i]));
    }
  }

  // ---- attention -------------------------------------------------------------------------------

  private Stream<DynamicTest> attention() {
    List<DynamicTest> tests = new ArrayList<>();
    int[][] shapes = {{1, 1, 1, 1}, {2, 5, 5, 8}, {3, 7, 12, 16}, {1, 33, 17, 64}, {2, 1, 40, 24}, {4, 64, 64, 32}};
    // "keys": the padding mask as [batch, 1, sk], broadcast over the queries (how MultiHeadAttention passes padding).
    String[] masks = {"none", "padding", "keys", "causal", "bias"};
    for (int[] sh : shapes) {
      for (String mk : masks) {
        tests.add(dynamicTest("ATTENTION(batch=" + sh[0] + ",sq=" + sh[1] + ",sk=" + sh[2] + ",d=" + sh[3] + ",mask=" + mk + ")",
            () -> attentionCase(sh[0], sh[1], sh[2], sh[3], mk)));
      }
    }
    tests.add(dynamicTest("ATTENTION over a large batch (24 MiB of scores), padding mask per sequence", () -> attentionOverALargeBatch(false)));
    tests.add(dynamicTest("ATTENTION over a large batch (24 MiB of scores), one causal mask for all", () -> attentionOverALargeBatch(true)));
    return tests.stream();
  }

  /**
   * Budget: scores carry the GEMM error {@code ds = (d+2) u scale sum|q||k|}; softmax turns a logit error ds
   * into a relative probability error ~2 ds, plus its own (sk + 8) u; the second GEMM adds (sk + 2) u relative:
   * {@code |dout| <= (2 max ds + (2 sk + 10) u) * sum_j p_j |v_j|}.
   */
  private void attentionCase(int batch, int sq, int sk, int d, String maskKind) {
    long seed = batch * 1000L + sq * 100L + sk * 10L + d;
    float[] q = Data.uniform(seed, batch * sq * d);
    float[] k = Data.uniform(seed + 1, batch * sk * d);
    float[] v = Data.uniform(seed + 2, batch * sk * d);
    float scale = (float) (1 / Math.sqrt(d));
    float[] mask = null;
    int[] lengths = new int[batch];
    boolean keysOnly = maskKind.equals("keys");
    if (maskKind.equals("padding") || keysOnly || maskKind.equals("causal")) {
      mask = new float[batch * sq * sk];
      for (int b = 0; b < batch; b++) {
        lengths[b] = Math.max(0, sk - b * 3); // b > 0 pads; a fully padded sequence occurs when sk is small
        for (int i = 0; i < sq; i++) {
          for (int j = 0; j < sk; j++) {
            boolean allowed = maskKind.equals("causal") ? j <= i : j < lengths[b];
            mask[(b * sq + i) * sk + j] = allowed ? 0 : Float.NEGATIVE_INFINITY;
          }
        }
      }
    } else if (maskKind.equals("bias")) {
      mask = Data.uniform(seed + 3, batch * sq * sk, -3, 3);
    }
    try (TensorScope s = TensorScope.open()) {
      Tensor tq = s.of(q, batch, sq, d);
      Tensor tk = s.of(k, batch, sk, d);
      Tensor tv = s.of(v, batch, sk, d);
      Tensor tm = mask == null ? null : keysOnly ? s.of(firstRows(mask, batch, sq, sk), batch, 1, sk) : s.of(mask, batch, sq, sk);
      Tensor out = s.of(Data.nans(batch * sq * d), batch, sq, d);
      Tensor probs = s.of(Data.nans(batch * sq * sk), batch, sq, sk);
      backend.scaledDotProductAttention(tq, tk, tv, tm, scale, out, probs);
      float[] outA = out.toArray();
      float[] probsA = probs.toArray();
      for (int b = 0; b < batch; b++) {
        checkAttentionItem("attention batch=" + b + " mask=" + maskKind, Data.slice(q, b, sq * d), Data.slice(k, b, sk * d), Data.slice(v, b, sk * d),
            mask == null ? null : Data.slice(mask, b, sq * sk), sq, sk, d, scale, Data.slice(outA, b, sq * d), Data.slice(probsA, b, sq * sk));
      }
    }
  }

  /** One {@code [sq, sk]} attention against the oracle: the output, and the probabilities unless null. */
  private void checkAttentionItem(String name, float[] q, float[] k, float[] v, float[] mask, int sq, int sk, int d, float scale, float[] out,
      float[] probs) {
    double[] qb = Oracle.toDouble(q);
    double[] kb = Oracle.toDouble(k);
    double[] vb = Oracle.toDouble(v);
    double[] pRef = new double[sq * sk];
    double[] ref = Oracle.attention(qb, kb, vb, mask == null ? null : Oracle.toDouble(mask), sq, sk, d, d, scale, pRef);
    double[] qk = Oracle.matmul(Oracle.abs(qb), Oracle.transpose(Oracle.abs(kb), sk, d), sq, sk, d);
    double ds = 0;
    for (double m : qk) {
      ds = Math.max(ds, tol.attentionLogit(d, scale, m));
    }
    double[] pv = Oracle.matmul(pRef, Oracle.abs(vb), sq, d, sk);
    double dsMax = ds;
    if (probs != null) {
      Budget.check(name + " probabilities", pRef, probs, i -> tol.attentionProbability(dsMax, sk, pRef[i]));
    }
    Budget.check(name + " output", ref, out, i -> tol.attentionOutput(dsMax, sk, pv[i]));
  }

  /**
   * A batch whose scores ({@code [3, 2, 1024, 1024]}, 24 MiB) are larger than a backend may want to hold at once, without
   * probabilities: a backend that works through the batch in pieces must slice the padding mask with it, keep a mask
   * shared by the batch whole, and still zero a fully padded sequence.
   */
  private void attentionOverALargeBatch(boolean causal) {
    int batch = 3;
    int heads = 2;
    int n = 1024;
    int d = 8;
    float[] q = Data.uniform(71, batch * heads * n * d);
    float[] k = Data.uniform(72, batch * heads * n * d);
    float[] v = Data.uniform(73, batch * heads * n * d);
    int[] lengths = {n, 700, 0};
    float[] mask = new float[causal ? n * n : batch * n];
    for (int r = 0; r < (causal ? n : batch); r++) {
      for (int j = 0; j < n; j++) {
        mask[r * n + j] = (causal ? j <= r : j < lengths[r]) ? 0 : Float.NEGATIVE_INFINITY;
      }
    }
    float scale = (float) (1 / Math.sqrt(d));
    try (TensorScope s = TensorScope.open()) {
      Tensor out = s.of(Data.nans(batch * heads * n * d), batch, heads, n, d);
      Tensor m = causal ? s.of(mask, 1, 1, n, n) : s.of(mask, batch, 1, 1, n);
      backend.scaledDotProductAttention(s.of(q, batch, heads, n, d), s.of(k, batch, heads, n, d), s.of(v, batch, heads, n, d), m, scale, out, null);
      float[] outA = out.toArray();
      for (int b = 0; b < batch; b++) {
        float[] itemMask = mask;
        if (!causal) {
          itemMask = new float[n * n];
          for (int i = 0; i < n; i++) {
            System.arraycopy(mask, b * n, itemMask, i * n, n);
          }
        }
        for (int h = 0; h < heads; h++) {
          int item = b * heads + h;
          checkAttentionItem("attention item " + b + "," + h + (causal ? " causal" : " padded to " + lengths[b]), Data.slice(q, item, n * d),
              Data.slice(k, item, n * d), Data.slice(v, item, n * d), itemMask, n, n, d, scale, Data.slice(outA, item, n * d), null);
        }
      }
    }
  }

  /** Row 0 of each of the {@code batch} {@code [sq, sk]} matrices: a mask that is the same for every query. */
  private static float[] firstRows(float[] mask, int batch, int sq, int sk) {
    float[] rows = new float[batch * sk];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(mask, b * sq * sk, rows, b * sk, sk);
    }
    return rows;
  }

  private void attentionWithoutProbabilitiesAndCrossLengths() {
    try (TensorScope s = TensorScope.open()) {
      Tensor q = s.of(Data.uniform(61, 2 * 3 * 4 * 8), 2, 3, 4, 8);
      Tensor k = s.of(Data.uniform(62, 2 * 3 * 9 * 8), 2, 3, 9, 8);
      Tensor v = s.of(Data.uniform(63, 2 * 3 * 9 * 5), 2, 3, 9, 5);
      Tensor out = s.of(Data.nans(120), 2, 3, 4, 5);
      backend.scaledDotProductAttention(q, k, v, null, 0.3f, out, null);
      Tensor out2 = s.of(Data.nans(120), 2, 3, 4, 5);
      Tensor p = s.of(Data.nans(216), 2, 3, 4, 9);
      backend.scaledDotProductAttention(q, k, v, null, 0.3f, out2, p);
      assertEquals(boxed(out2.toArray()), boxed(out.toArray()));
      assertThrows(IllegalArgumentException.class, () -> backend.scaledDotProductAttention(q, k, v, null, 0.3f, s.allocate(2, 3, 4, 4), null));
      assertThrows(IllegalArgumentException.class, () -> backend.scaledDotProductAttention(q, k, v, s.allocate(7), 0.3f, out, null));
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  static double[] tile(float[] row, int times) {
    double[] r = new double[row.length * times];
    for (int t = 0; t < times; t++) {
      for (int j = 0; j < row.length; j++) {
        r[t * row.length + j] = row[j];
      }
    }
    return r;
  }

  static float[] maskRow(int n, long seed) {
    float[] m = Data.uniform(seed, n, -2, 2);
    for (int j = 1; j < n; j += 3) {
      m[j] = Float.NEGATIVE_INFINITY;
    }
    return m;
  }

  static List<Float> boxed(float[] a) {
    List<Float> l = new ArrayList<>();
    for (float f : a) {
      l.add(f);
    }
    return l;
  }
}
