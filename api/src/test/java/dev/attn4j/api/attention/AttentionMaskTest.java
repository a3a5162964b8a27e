package dev.attn4j.api.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import org.junit.jupiter.api.Test;

class AttentionMaskTest {
  private static final float X = Float.NEGATIVE_INFINITY;

  @Test
  void paddingCausalAndCombined() {
    try (TensorScope s = TensorScope.open()) {
      assertNull(AttentionMask.none().toAdditive(s, 2, 4, 3, 3));
      assertArrayEquals(new float[] {0, 0, X, 0, 0, X, 0, 0, X}, AttentionMask.padding(2).toAdditive(s, 1, 4, 3, 3).toArray());
      assertArrayEquals(new float[] {0, X, X, 0, 0, X, 0, 0, 0}, AttentionMask.causal().toAdditive(s, 1, 1, 3, 3).toArray());
      Tensor both = AttentionMask.padding(3, 2).withCausal().toAdditive(s, 2, 1, 3, 3);
      assertEquals(Shape.of(2, 1, 3, 3), both.shape());
      assertArrayEquals(new float[] {0, X, X, 0, 0, X, 0, 0, X}, both.select(0, 1).toArray());
      Tensor km = AttentionMask.none().withKeyMask(new int[][] {{1, 0, 1}}).toAdditive(s, 1, 1, 1, 3);
      assertArrayEquals(new float[] {0, X, 0}, km.toArray());
    }
  }

  @Test
  void keyOnlyMasksAreBuiltOncePerSequenceAndBroadcastOverQueries() {
    try (TensorScope s = TensorScope.open()) {
      Tensor m = AttentionMask.padding(3, 1).withKeyMask(new int[][] {{1, 0, 1}, {1, 1, 1}}).toAdditiveBroadcast(s, 2, 4, 5, 3);
      assertEquals(Shape.of(2, 1, 1, 3), m.shape());
      assertArrayEquals(new float[] {0, X, 0, 0, X, X}, m.toArray());
      // Expanded to the scores it equals the full mask.
      Tensor full = AttentionMask.padding(3, 1).withKeyMask(new int[][] {{1, 0, 1}, {1, 1, 1}}).toAdditive(s, 2, 4, 5, 3);
      assertArrayEquals(full.toArray(), m.expand(Shape.of(2, 1, 5, 3)).toArray());
      assertNull(AttentionMask.padding(3, 3).toAdditiveBroadcast(s, 2, 4, 5, 3));
      // Query-dependent parts keep the full layout.
      assertEquals(Shape.of(1, 1, 2, 2), AttentionMask.padding(2).withCausal().toAdditiveBroadcast(s, 1, 4, 2, 2).shape());
      assertThrows(IllegalArgumentException.class, () -> AttentionMask.padding(5).toAdditiveBroadcast(s, 1, 1, 2, 2));
    }
  }

  @Test
  void paddingThatRemovesNothingIsNoMask() {
    try (TensorScope s = TensorScope.open()) {
      assertNull(AttentionMask.padding(3, 3).toAdditive(s, 2, 4, 3, 3));
      assertNull(AttentionMask.none().withKeyMask(new int[][] {{1, 1, 1}, {1, 1, 1}}).toAdditive(s, 2, 4, 3, 3));
      // Still a mask as soon as one key is removed, or with a causal part.
      assertArrayEquals(new float[] {0, 0, X}, AttentionMask.none().withKeyMask(new int[][] {{1, 1, 0}}).toAdditive(s, 1, 1, 1, 3).toArray());
      assertArrayEquals(new float[] {0, X, 0, 0}, AttentionMask.padding(2).withCausal().toAdditive(s, 1, 1, 2, 2).toArray());
    }
  }

  @Test
  void biasPerHeadIsKept() {
    try (TensorScope s = TensorScope.open()) {
      Tensor bias = s.of(new float[] {1, 2, 3, 4}, 2, 1, 2); // [heads, queries=1 broadcast, keys]
      Tensor m = AttentionMask.padding(1).withBias(bias).toAdditive(s, 1, 2, 2, 2);
      assertEquals(Shape.of(1, 2, 2, 2), m.shape());
      assertArrayEquals(new float[] {1, X, 1, X, 3, X, 3, X}, m.toArray());
    }
  }

  @Test
  void rejectsMismatches() {
    try (TensorScope s = TensorScope.open()) {
      assertThrows(IllegalArgumentException.class, () -> AttentionMask.padding(1, 2).toAdditive(s, 3, 1, 2, 2));
      assertThrows(IllegalArgumentException.class, () -> AttentionMask.padding(5).toAdditive(s, 1, 1, 2, 2));
      assertThrows(IllegalArgumentException.class, () -> AttentionMask.padding(-1));
      assertThrows(IllegalArgumentException.class, () -> AttentionMask.none().withKeyMask(new int[][] {{2}}));
      assertThrows(IllegalArgumentException.class,
          () -> AttentionMask.none().withBias(s.allocate(3, 3)).toAdditive(s, 1, 1, 2, 2));
    }
  }

  @Test
  void biasMayMaskWithMinusInfinityButNotHoldNaNOrPlusInfinity() {
    try (TensorScope s = TensorScope.open()) {
      Tensor masking = s.of(new float[] {0.5f, Float.NEGATIVE_INFINITY}, 1, 2);
      assertArrayEquals(new float[] {0.5f, X, 0.5f, X}, AttentionMask.none().withBias(masking).toAdditive(s, 1, 1, 2, 2).toArray());
      for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
        Tensor bias = s.of(new float[] {0f, 0f, 0f, bad}, 2, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> AttentionMask.padding(2).withBias(bias).toAdditive(s, 1, 1, 2, 2));
        assertTrue(e.getMessage().contains("query 1, key 1"), e.getMessage());
      }
    }
  }
}
