package dev.attn4j.api.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class TensorTest {
  @Test
  void allocationIsZeroedAndAligned() {
    try (TensorScope s = TensorScope.open()) {
      Tensor t = s.allocate(3, 5);
      assertEquals(0, t.segment().address() % TensorScope.ALIGNMENT);
      assertArrayEquals(new float[15], t.toArray());
      assertTrue(t.isContiguous());
      assertArrayEquals(new long[] {5, 1}, t.strides());
    }
  }

  @Test
  void viewsShareMemory() {
    try (TensorScope s = TensorScope.open()) {
      Tensor t = s.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
      Tensor tr = t.transpose();
      assertEquals(Shape.of(3, 2), tr.shape());
      assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, tr.toArray());
      tr.set(42, 2, 1);
      assertEquals(42, t.get(1, 2));
      Tensor col = t.slice(1, 1, 2);
      assertArrayEquals(new float[] {1, 2, 4, 42}, col.toArray());
      assertFalse(col.isContiguous());
      assertArrayEquals(new float[] {3, 4, 42}, t.select(0, 1).toArray());
      assertArrayEquals(new float[] {0, 1, 2, 3, 4, 42}, t.reshape(3, -1).toArray());
      assertEquals(Shape.of(3, 2), t.reshape(3, -1).shape());
      Tensor p = s.allocate(2, 3, 4).permute(2, 0, 1);
      assertEquals(Shape.of(4, 2, 3), p.shape());
      assertArrayEquals(new long[] {1, 12, 4}, p.strides());
    }
  }

  @Test
  void copiesThroughStridedViews() {
    try (TensorScope s = TensorScope.open()) {
      Tensor t = s.allocate(2, 3);
      t.transpose().copyFrom(new float[] {1, 2, 3, 4, 5, 6});
      assertArrayEquals(new float[] {1, 3, 5, 2, 4, 6}, t.toArray());
      Tensor c = s.copyOf(t.transpose());
      assertTrue(c.isContiguous());
      assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, c.toArray());
      t.slice(0, 1, 1).fill(9);
      assertArrayEquals(new float[] {1, 3, 5, 9, 9, 9}, t.toArray());
    }
  }

  @Test
  void expandBroadcastsWithZeroStrides() {
    try (TensorScope s = TensorScope.open()) {
      Tensor row = s.of(new float[] {1, 2, 3}, 1, 3);
      Tensor e = row.expand(Shape.of(2, 2, 3));
      assertArrayEquals(new long[] {0, 0, 1}, e.strides());
      assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}, e.toArray());
      assertThrows(IllegalArgumentException.class, () -> row.expand(Shape.of(2, 4)));
    }
  }

  @Test
  void rejectsBadShapesAndIndices() {
    assertThrows(IllegalArgumentException.class, () -> Shape.of(2, -1));
    IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class, () -> Shape.of(Integer.MAX_VALUE, Integer.MAX_VALUE, 8));
    assertTrue(overflow.getMessage().contains("more elements"), overflow.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Shape.of(1L << 33));
    try (TensorScope s = TensorScope.open()) {
      Tensor t = s.allocate(2, 3);
      assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
      assertThrows(IllegalArgumentException.class, () -> t.get(0));
      assertThrows(IndexOutOfBoundsException.class, () -> t.slice(1, 2, 2));
      assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.transpose().reshape(6));
      assertTrue(e.getMessage().contains("non-contiguous"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> t.copyFrom(new float[5]));
      assertThrows(IllegalArgumentException.class, () -> t.permute(0, 0));
      assertThrows(IndexOutOfBoundsException.class, () -> t.dim(2));
    }
  }

  @Test
  void useAfterCloseIsAClearException() {
    Tensor t;
    Tensor view;
    TensorScope s = TensorScope.open();
    t = s.allocate(4);
    view = t.reshape(2, 2).transpose();
    s.close();
    s.close(); // idempotent
    IllegalStateException e = assertThrows(IllegalStateException.class, t::toArray);
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> view.get(0, 0));
    assertThrows(IllegalStateException.class, view::segment);
    assertThrows(IllegalStateException.class, () -> s.allocate(3));
    assertFalse(t.isAlive());
  }

  @Test
  void wrapsForeignMemory() {
    try (Arena arena = Arena.ofConfined(); TensorScope s = TensorScope.open()) {
      MemorySegment seg = arena.allocate(24, 4);
      Tensor t = s.wrap(seg, Shape.of(2, 3));
      t.copyFrom(new float[] {1, 2, 3, 4, 5, 6});
      assertEquals(6f, seg.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 5));
      assertThrows(IllegalArgumentException.class, () -> s.wrap(seg, Shape.of(7)));
    }
  }
}
