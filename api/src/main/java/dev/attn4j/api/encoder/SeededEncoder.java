package dev.attn4j.api.encoder;

import dev.attn4j.api.attention.MultiHeadAttention;
import dev.attn4j.api.layers.LayerNorm;
import dev.attn4j.api.layers.Linear;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * BERT-shaped post-LayerNorm encoders with seeded random weights, scaled like a trained model's (about
 * {@code 1/sqrt(fan-in)}), GELU feed-forward and a fused QKV projection: for demos, benchmarks and tests that need
 * the shape of a model without its weights. The same arguments always give the same weights.
 *
 * <p>Stateless and thread-safe. Stability: experimental.
 */
public final class SeededEncoder {
  /**
   * A named encoder shape, as the bench command and the JMH benchmarks know them. Immutable.
   *
   * @param layers encoder layers
   * @param hidden model width
   * @param heads attention heads
   * @param ffn feed-forward width
   */
  public record Preset(int layers, int hidden, int heads, int ffn) {
    /** This shape's encoder with weights from {@code seed}, in {@code scope}. */
    public Encoder build(TensorScope scope, long seed) {
      return SeededEncoder.build(scope, layers, hidden, heads, ffn, seed);
    }
  }

  /** bert-base, bert-large, bge-small and minilm (all-MiniLM-L6-v2's shape). */
  public static final Map<String, Preset> PRESETS = Map.of("bert-base", new Preset(12, 768, 12, 3072), "bert-large", new Preset(24, 1024, 16, 4096),
      "bge-small", new Preset(12, 384, 12, 1536), "minilm", new Preset(6, 384, 12, 1536));

  private SeededEncoder() {}

  /** An encoder of {@code layers} layers whose weights live in {@code scope}. */
  public static Encoder build(TensorScope scope, int layers, int hidden, int heads, int ffn, long seed) {
    List<EncoderLayer> list = new ArrayList<>();
    long s = seed;
    for (int l = 0; l < layers; l++) {
      MultiHeadAttention mha = MultiHeadAttention.fused(heads, linear(scope, 3 * hidden, hidden, s++), linear(scope, hidden, hidden, s++));
      list.add(new EncoderLayer(mha, norm(scope, hidden, s++), linear(scope, ffn, hidden, s++), linear(scope, hidden, ffn, s++),
          norm(scope, hidden, s++), Activation.GELU, NormPlacement.POST));
    }
    return new Encoder(list, null);
  }

  /** Floating-point operations of one forward (2 per multiply-add): projections, feed-forward, both attention products. */
  public static double flops(int layers, int hidden, int ffn, int batch, int seq) {
    double tokens = (double) batch * seq;
    double perLayer = 2 * tokens * (4.0 * hidden * hidden + 2.0 * hidden * ffn) + 4.0 * batch * (double) seq * seq * hidden;
    return layers * perLayer;
  }

  /** {@code n} values uniform in {@code [-scale, scale)} from {@code seed}. */
  public static float[] uniform(long seed, int n, float scale) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((2 * r.nextDouble() - 1) * scale);
    }
    return a;
  }

  private static Linear linear(TensorScope scope, int out, int in, long seed) {
    float scale = (float) (1 / Math.sqrt(in));
    return new Linear(scope.of(uniform(seed, out * in, scale), out, in), scope.of(uniform(seed + 7919, out, 0.1f), out));
  }

  private static LayerNorm norm(TensorScope scope, int n, long seed) {
    float[] g = uniform(seed, n, 0.2f);
    for (int i = 0; i < n; i++) {
      g[i] += 1;
    }
    return new LayerNorm(scope.of(g, n), scope.of(uniform(seed + 1, n, 0.1f), n), 1e-12f);
  }
}
