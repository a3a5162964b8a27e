package dev.attn4j.models.internal;

import dev.attn4j.api.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code tanh} in place over a contiguous tensor: the pooler's and the RoBERTa classification head's activation,
 * which the backend SPI has no kernel for (a few hundred values per sequence). Stateless.
 */
public final class Tanh {
  private Tanh() {}

  /** Replaces every element of the contiguous {@code t} with its tanh. */
  public static Tensor inPlace(Tensor t) {
    MemorySegment s = t.segment();
    long n = t.size();
    for (long i = 0; i < n; i++) {
      s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.tanh(s.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
    }
    return t;
  }
}
