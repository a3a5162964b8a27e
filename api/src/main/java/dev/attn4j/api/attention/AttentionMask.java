package dev.attn4j.api.attention;

import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorAllocator;
import java.util.Arrays;

/**
 * Which keys each query may attend to, as a combination of: key padding (per-sequence lengths, or a 0/1
 * key mask {@code [batch, keys]}), a causal constraint (query {@code i} sees keys {@code j <= i}, aligned
 * top-left as in PyTorch), and an additive bias broadcastable to {@code [batch, heads, queries, keys]}
 * (ALiBi, relative positions). Combine with the {@code with...} methods; the result allows a key only where
 * every part allows it, and adds the bias.
 *
 * <p>Padding masks keys only: queries at padded positions still attend to the real keys (as Hugging Face
 * BERT computes them). A query whose keys are all masked receives zero probabilities and a zero output.
 *
 * <p>Immutable and thread-safe (a bias tensor must outlive the mask; it is read, never written).
 *
 * <p>Stability: stable since 0.1.
 */
public final class AttentionMask {
  private static final AttentionMask NONE = new AttentionMask(null, null, 0, false, null);

  private final int[] lengths;
  private final float[] keyMask;
  private final int keyMaskLength;
  private final boolean causal;
  private final Tensor bias;

  private AttentionMask(int[] lengths, float[] keyMask, int keyMaskLength, boolean causal, Tensor bias) {
    this.lengths = lengths;
    this.keyMask = keyMask;
    this.keyMaskLength = keyMaskLength;
    this.causal = causal;
    this.bias = bias;
  }

  /** Every query sees every key. */
  public static AttentionMask none() {
    return NONE;
  }

  /** Sequence {@code b} has {@code lengths[b]} real keys; keys at and after that position are padding. */
  public static AttentionMask padding(int... lengths) {
    return NONE.withPadding(lengths);
  }

  /** Query {@code i} sees keys {@code 0..i} only. */
  public static AttentionMask causal() {
    return NONE.withCausal();
  }

  /** A copy with key padding by lengths. */
  public AttentionMask withPadding(int... lengths) {
    for (int i = 0; i < lengths.length; i++) {
      if (lengths[i] < 0) {
        throw new IllegalArgumentException("negative sequence length " + lengths[i] + " at batch index " + i);
      }
    }
    return new AttentionMask(lengths.clone(), keyMask, keyMaskLength, causal, bias);
  }

  /**
   * A copy with key padding from a 0/1 mask (Hugging Face's {@code attention_mask}): {@code mask[b][j]} is 1
   * for a real key, 0 for padding.
   */
  public AttentionMask withKeyMask(int[][] mask) {
    if (mask.length == 0) {
      throw new IllegalArgumentException("key mask has no rows");
    }
    int n = mask[0].length;
    float[] flat = new float[mask.length * n];
    for (int b = 0; b < mask.length; b++) {
      if (mask[b].length != n) {
        throw new IllegalArgumentException("key mask rows differ in length: " + n + " vs " + mask[b].length + " at batch index " + b);
      }
      for (int j = 0; j < n; j++) {
        if (mask[b][j] != 0 && mask[b][j] != 1) {
          throw new IllegalArgumentException("key mask values must be 0 or 1, got " + mask[b][j] + " at [" + b + "][" + j + "]");
        }
        flat[b * n + j] = mask[b][j];
      }
    }
    return new AttentionMask(lengths, flat, n, causal, bias);
  }

  /** A copy with the causal constraint. */
  public AttentionMask withCausal() {
    return new AttentionMask(lengths, keyMask, keyMaskLength, true, bias);
  }

  /** A copy with an additive bias broadcastable to {@code [batch, heads, queries, keys]} (added to any earlier bias). */
  public AttentionMask withBias(Tensor bias) {
    if (bias.rank() > 4) {
      throw new IllegalArgumentException("attention bias must have rank <= 4 ([batch, heads, queries, keys]), got " + bias.shape());
    }
    if (this.bias != null) {
      throw new IllegalArgumentException("attention mask already has a bias; add the two biases first");
    }
    return new AttentionMask(lengths, keyMask, keyMaskLength, causal, bias);
  }

  /** Whether the mask allows everything and adds nothing. */
  public boolean isEmpty() {
    return lengths == null && keyMask == null && !causal && bias == null;
  }

  /** Whether the causal constraint is part of this mask. */
  public boolean isCausal() {
    return causal;
  }

  /**
   * The additive mask ({@code 0} or {@code -inf}, plus any bias) for attention over {@code batch} sequences
   * with {@code heads} heads, allocated from {@code scope}: shape {@code [batch, h, queries, keys]} where
   * {@code h} is {@code heads} if the bias varies per head and 1 otherwise. Null when {@link #isEmpty()}, and
   * when the padding and key mask remove nothing and there is neither a causal part nor a bias.
   *
   * @throws IllegalArgumentException if the mask does not fit these dimensions, or the bias holds NaN or {@code +inf}
   */
  public Tensor toAdditive(TensorAllocator scope, int batch, int heads, int queries, int keys) {
    if (isEmpty()) {
      return null;
    }
    checkFits(batch, keys);
    if (!causal && bias == null && allKeysAllowed(batch, keys)) {
      // Padding that removes nothing (every sequence full length, e.g. an all-ones attention_mask): no mask at all,
      // so backends skip the additive term instead of adding zeros.
      return null;
    }
    Shape full = Shape.of(batch, heads, queries, keys);
    Tensor expandedBias = null;
    if (bias != null) {
      try {
        expandedBias = bias.expand(full);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("attention bias " + bias.shape() + " does not broadcast to [batch, heads, queries, keys] = " + full);
      }
    }
    int h = expandedBias != null && heads > 1 && expandedBias.stride(1) != 0 ? heads : 1;
    float[] m = new float[Math.toIntExact((long) batch * h * queries * keys)];
    float[] biasValues = expandedBias == null ? null : expandedBias.slice(1, 0, h).toArray();
    int i = 0;
    for (int b = 0; b < batch; b++) {
      for (int hh = 0; hh < h; hh++) {
        for (int q = 0; q < queries; q++) {
          for (int k = 0; k < keys; k++, i++) {
            boolean allowed = keyAllowed(b, k) && (!causal || k <= q);
            if (biasValues != null && (Float.isNaN(biasValues[i]) || biasValues[i] == Float.POSITIVE_INFINITY)) {
              // Either would turn the whole softmax row into NaN; -inf is allowed (it masks the key).
              throw new IllegalArgumentException("attention bias holds " + biasValues[i] + " at [batch " + b + ", head " + hh + ", query " + q
                  + ", key " + k + "] (finite values or -inf only)");
            }
            m[i] = !allowed ? Float.NEGATIVE_INFINITY : biasValues == null ? 0f : biasValues[i];
          }
        }
      }
    }
    return scope.of(m, batch, h, queries, keys);
  }

  /**
   * As {@link #toAdditive}, but when only padding or a key mask is set (the usual encoder case) the result does not
   * depend on the query and is {@code [batch, 1, 1, keys]}, broadcast by the backend: {@code queries} times less to
   * build and read. Every backend takes masks broadcastable to the scores (the conformance suite checks it).
   */
  Tensor toAdditiveBroadcast(TensorAllocator scope, int batch, int heads, int queries, int keys) {
    if (isEmpty() || causal || bias != null) {
      return toAdditive(scope, batch, heads, queries, keys);
    }
    checkFits(batch, keys);
    if (allKeysAllowed(batch, keys)) {
      return null;
    }
    float[] m = new float[Math.toIntExact((long) batch * keys)];
    for (int b = 0; b < batch; b++) {
      for (int k = 0; k < keys; k++) {
        m[b * keys + k] = keyAllowed(b, k) ? 0f : Float.NEGATIVE_INFINITY;
      }
    }
    return scope.of(m, batch, 1, 1, keys);
  }

  private boolean keyAllowed(int b, int k) {
    return (lengths == null || k < lengths[b]) && (keyMask == null || keyMask[b * keyMaskLength + k] != 0);
  }

  private void checkFits(int batch, int keys) {
    if (lengths != null) {
      if (lengths.length != batch) {
        throw new IllegalArgumentException("padding mask has " + lengths.length + " lengths for a batch of " + batch);
      }
      for (int b = 0; b < batch; b++) {
        if (lengths[b] > keys) {
          throw new IllegalArgumentException("sequence " + b + " has length " + lengths[b] + " but there are only " + keys + " keys");
        }
      }
    }
    if (keyMask != null && (keyMask.length / keyMaskLength != batch || keyMaskLength != keys)) {
      throw new IllegalArgumentException("key mask is [" + keyMask.length / keyMaskLength + ", " + keyMaskLength + "] but attention is over "
          + batch + " sequences of " + keys + " keys");
    }
  }

  private boolean allKeysAllowed(int batch, int keys) {
    if (lengths != null) {
      for (int length : lengths) {
        if (length < keys) {
          return false;
        }
      }
    }
    if (keyMask != null) {
      for (float allowed : keyMask) {
        if (allowed == 0) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("AttentionMask[");
    if (lengths != null) {
      sb.append("padding=").append(Arrays.toString(lengths)).append(',');
    }
    if (keyMask != null) {
      sb.append("keyMask=[").append(keyMask.length / keyMaskLength).append(", ").append(keyMaskLength).append("],");
    }
    if (causal) {
      sb.append("causal,");
    }
    if (bias != null) {
      sb.append("bias=").append(bias.shape()).append(',');
    }
    if (sb.charAt(sb.length() - 1) == ',') {
      sb.setLength(sb.length() - 1);
    }
    return sb.append(']').toString();
  }
}
