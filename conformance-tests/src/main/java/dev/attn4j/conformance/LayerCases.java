package dev.attn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.attn4j.api.attention.AttentionMask;
import dev.attn4j.api.attention.AttentionOutput;
import dev.attn4j.api.attention.MultiHeadAttention;
import dev.attn4j.api.encoder.Encoder;
import dev.attn4j.api.encoder.EncoderLayer;
import dev.attn4j.api.encoder.EncoderOutput;
import dev.attn4j.api.encoder.NormPlacement;
import dev.attn4j.api.layers.LayerNorm;
import dev.attn4j.api.layers.Linear;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicNode;

/**
 * Multi-head attention (separate and fused projections, padding and causal masks, probabilities returned), encoder
 * layers (post- and pre-LayerNorm) and stacks on a backend, against {@link LayerOracle} in float64 with the
 * {@link Tolerances#layer whole-layer budget}. Weights live in a scope of their own, closed with {@link #close()}.
 */
final class LayerCases implements AutoCloseable {
  private static final int HIDDEN = 32;
  private static final int FFN = 64;
  private static final int HEADS = 4;

  private final Backend backend;
  private final double layerBudget;
  private final double probabilityBudget;
  private final TensorScope weights = TensorScope.open();

  LayerCases(Backend backend, Tolerances tol) {
    this.backend = backend;
    this.layerBudget = tol.layer(HIDDEN);
    this.probabilityBudget = tol.layerProbabilities();
  }

  /** The cases. */
  List<DynamicNode> nodes() {
    List<DynamicNode> nodes = new ArrayList<>();
    nodes.add(dynamicTest("MHA separate and fused, padding mask, probabilities", this::multiHeadAttentionSeparateAndFusedWithPadding));
    nodes.add(dynamicTest("MHA causal mask", this::causalAttention));
    for (NormPlacement placement : NormPlacement.values()) {
      nodes.add(dynamicTest("ENCODER_LAYER(" + placement + "-LayerNorm, padding)", () -> encoderLayer(placement)));
    }
    nodes.add(dynamicTest("ENCODER stack, batched equals unbatched", this::encoderStackBatchedEqualsUnbatched));
    nodes.add(dynamicTest("ENCODER_LAYER fully masked sequence gives finite output", this::fullyMaskedSequenceGivesFiniteOutput));
    nodes.add(dynamicTest("ENCODER_LAYER rejects wrong shapes", this::rejectsWrongShapes));
    return nodes;
  }

  @Override
  public void close() {
    weights.close();
  }

  private record Built(EncoderLayer layer, MultiHeadAttention fusedAttention, LayerOracle.Weights ref) {}

  private Built build(long seed, NormPlacement placement) {
    float[][] p = new float[16][];
    int[][] shapes = {{HIDDEN, HIDDEN}, {HIDDEN}, {HIDDEN, HIDDEN}, {HIDDEN}, {HIDDEN, HIDDEN}, {HIDDEN}, {HIDDEN, HIDDEN}, {HIDDEN},
        {HIDDEN}, {HIDDEN}, {FFN, HIDDEN}, {FFN}, {HIDDEN, FFN}, {HIDDEN}, {HIDDEN}, {HIDDEN}};
    Tensor[] t = new Tensor[16];
    for (int i = 0; i < 16; i++) {
      int n = shapes[i].length == 1 ? shapes[i][0] : shapes[i][0] * shapes[i][1];
      boolean gamma = i == 8 || i == 14;
      p[i] = gamma ? Data.uniform(seed + i, n, 0.5, 1.5) : Data.uniform(seed + i, n, -0.3, 0.3);
      t[i] = weights.of(p[i], shapes[i]);
    }
    MultiHeadAttention mha = MultiHeadAttention.of(HEADS, new Linear(t[0], t[1]), new Linear(t[2], t[3]), new Linear(t[4], t[5]), new Linear(t[6], t[7]));
    EncoderLayer layer = new EncoderLayer(mha, new LayerNorm(t[8], t[9], 1e-5f), new Linear(t[10], t[11]), new Linear(t[12], t[13]),
        new LayerNorm(t[14], t[15], 1e-5f), Activation.GELU, placement);
    float[] qkvW = Data.concat(p[0], p[2], p[4]);
    float[] qkvB = Data.concat(p[1], p[3], p[5]);
    MultiHeadAttention fused = MultiHeadAttention.fused(HEADS, new Linear(weights.of(qkvW, 3 * HIDDEN, HIDDEN), weights.of(qkvB, 3 * HIDDEN)),
        new Linear(t[6], t[7]));
    double[][] d = new double[16][];
    for (int i = 0; i < 16; i++) {
      d[i] = Oracle.toDouble(p[i]);
    }
    LayerOracle.Weights ref = new LayerOracle.Weights(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13],
        d[14], d[15], HIDDEN, FFN, HEADS, 1e-5);
    return new Built(layer, fused, ref);
  }

  private void multiHeadAttentionSeparateAndFusedWithPadding() {
    Built b = build(100, NormPlacement.POST);
    int batch = 3;
    int seq = 7;
    int[] lengths = {7, 4, 1};
    float[] x = Data.uniform(5, batch * seq * HIDDEN);
    try (TensorScope s = TensorScope.open()) {
      Tensor tx = s.of(x, batch, seq, HIDDEN);
      AttentionMask mask = AttentionMask.padding(lengths);
      AttentionOutput sep = b.layer().attention().forward(backend, s, tx, tx, mask, true);
      Tensor fused = b.fusedAttention().forward(backend, s, tx, mask);
      for (int bi = 0; bi < batch; bi++) {
        double[] km = keyMask(seq, lengths[bi]);
        double[] probs = new double[HEADS * seq * seq];
        double[] ref = LayerOracle.attention(b.ref(), Oracle.toDouble(Data.slice(x, bi, seq * HIDDEN)), seq, km, false, probs);
        Budget.check("MHA separate b=" + bi, ref, sep.output().select(0, bi).toArray(), i -> layerBudget);
        Budget.check("MHA fused b=" + bi, ref, fused.select(0, bi).toArray(), i -> layerBudget);
        Budget.check("MHA probabilities b=" + bi, probs, sep.probabilities().select(0, bi).toArray(), i -> probabilityBudget);
      }
    }
  }

  private void causalAttention() {
    Built b = build(200, NormPlacement.POST);
    int seq = 6;
    float[] x = Data.uniform(6, seq * HIDDEN);
    try (TensorScope s = TensorScope.open()) {
      Tensor tx = s.of(x, 1, seq, HIDDEN);
      Tensor out = b.layer().attention().forward(backend, s, tx, AttentionMask.causal());
      double[] ref = LayerOracle.attention(b.ref(), Oracle.toDouble(x), seq, null, true, null);
      Budget.check("MHA causal", ref, out.toArray(), i -> layerBudget);
    }
  }

  private void encoderLayer(NormPlacement placement) {
    Built b = build(300, placement);
    int batch = 2;
    int seq = 9;
    int[] lengths = {9, 5};
    float[] x = Data.uniform(7, batch * seq * HIDDEN);
    try (TensorScope s = TensorScope.open()) {
      Tensor out = b.layer().forward(backend, s, s.of(x, batch, seq, HIDDEN), AttentionMask.padding(lengths));
      for (int bi = 0; bi < batch; bi++) {
        double[] ref = LayerOracle.layer(b.ref(), Oracle.toDouble(Data.slice(x, bi, seq * HIDDEN)), seq, keyMask(seq, lengths[bi]),
            placement == NormPlacement.PRE);
        Budget.check("encoder layer " + placement + " b=" + bi, ref, out.select(0, bi).toArray(), i -> layerBudget);
      }
    }
  }

  private void encoderStackBatchedEqualsUnbatched() {
    Built l1 = build(400, NormPlacement.POST);
    Built l2 = build(500, NormPlacement.POST);
    Encoder enc = new Encoder(List.of(l1.layer(), l2.layer()), null);
    int seq = 8;
    float[] a = Data.uniform(8, seq * HIDDEN);
    float[] c = Data.uniform(9, 3 * HIDDEN);
    try (TensorScope s = TensorScope.open()) {
      // Batch of two: the second sequence (length 3) right-padded with garbage, which the mask must hide.
      float[] batch = new float[2 * seq * HIDDEN];
      System.arraycopy(a, 0, batch, 0, a.length);
      System.arraycopy(c, 0, batch, seq * HIDDEN, c.length);
      java.util.Arrays.fill(batch, seq * HIDDEN + c.length, batch.length, 7f);
      EncoderOutput out = enc.forward(backend, s, s.of(batch, 2, seq, HIDDEN), AttentionMask.padding(seq, 3), true, true);
      assertEquals(3, out.hiddenStates().size());
      assertEquals(2, out.attentions().size());
      Tensor alone = enc.forward(backend, s, s.of(c, 1, 3, HIDDEN), AttentionMask.none());
      float[] batched = out.lastHiddenState().select(0, 1).slice(0, 0, 3).toArray();
      Budget.check("batched vs unbatched", Oracle.toDouble(alone.toArray()), batched, i -> 2 * layerBudget);
      double[] ref = LayerOracle.layer(l2.ref(), LayerOracle.layer(l1.ref(), Oracle.toDouble(a), seq, null, false), seq, null, false);
      Budget.check("encoder stack", ref, out.lastHiddenState().select(0, 0).toArray(), i -> 2 * layerBudget);
      for (float f : out.lastHiddenState().toArray()) {
        assertFalse(Float.isNaN(f), "NaN in encoder output");
      }
    }
  }

  private void fullyMaskedSequenceGivesFiniteOutput() {
    Built b = build(600, NormPlacement.POST);
    try (TensorScope s = TensorScope.open()) {
      AttentionOutput out = b.layer().forward(backend, s, s.of(Data.uniform(10, 2 * 4 * HIDDEN), 2, 4, HIDDEN), AttentionMask.padding(4, 0), true);
      for (float f : out.output().toArray()) {
        assertFalse(Float.isNaN(f) || Float.isInfinite(f), "non-finite output");
      }
      for (float f : out.probabilities().select(0, 1).toArray()) {
        assertEquals(0f, f, "a fully masked row attends to nothing");
      }
    }
  }

  private void rejectsWrongShapes() {
    Built b = build(700, NormPlacement.POST);
    try (TensorScope s = TensorScope.open()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> b.layer().forward(backend, s, s.allocate(1, 4, HIDDEN + 1), AttentionMask.none()));
      assertEquals(true, e.getMessage().contains(String.valueOf(HIDDEN)), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> b.layer().forward(backend, s, s.allocate(2, 4, HIDDEN), AttentionMask.padding(4)));
      assertThrows(IllegalArgumentException.class, () -> b.layer().forward(backend, s, s.allocate(1, 4, HIDDEN), AttentionMask.padding(5)));
    }
  }

  static double[] keyMask(int seq, int length) {
    double[] m = new double[seq];
    for (int j = length; j < seq; j++) {
      m[j] = Double.NEGATIVE_INFINITY;
    }
    return m;
  }
}
