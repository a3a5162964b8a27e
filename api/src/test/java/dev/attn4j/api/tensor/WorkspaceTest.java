package dev.attn4j.api.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkspaceTest {
  @Test
  void framesGiveMemoryBackInStackOrder() {
    try (Workspace ws = Workspace.open()) {
      Tensor kept = ws.allocate(3, 5);
      long keptAt = kept.segment().address();
      long inner;
      try (Workspace.Frame f = ws.frame()) {
        Tensor t = ws.allocate(100);
        inner = t.segment().address();
        assertNotEquals(keptAt, inner);
        assertEquals(0, t.segment().address() % TensorScope.ALIGNMENT);
      }
      // The frame's memory is handed out again; what came before it is not.
      assertEquals(inner, ws.allocate(7).segment().address());
      kept.copyFrom(new float[15]);
      assertTrue(kept.isAlive());
    }
  }

  @Test
  void growsPastAChunkAndReusesAfterReset() {
    try (Workspace ws = Workspace.open()) {
      Tensor big = ws.allocate(3, 1 << 21); // 24 MiB: more than one minimal chunk
      big.copyFrom(new float[3 << 21]);
      ws.allocate(1 << 20);
      long capacity = ws.capacity();
      ws.reset();
      ws.allocate(3, 1 << 21);
      ws.allocate(1 << 20);
      assertEquals(capacity, ws.capacity(), "a reset workspace reuses its chunks instead of growing");
    }
  }

  @Test
  void framesClosedOutOfOrderAreAnError() {
    try (Workspace ws = Workspace.open()) {
      Workspace.Frame outer = ws.frame();
      Workspace.Frame inner = ws.frame();
      assertThrows(IllegalStateException.class, outer::close);
      inner.close();
      outer.close();
      ws.frame();
      ws.reset();
      outer.close(); // ended by reset: a no-op, not an error
    }
  }

  @Test
  void tensorsFailAfterClose() {
    Workspace ws = Workspace.open();
    Tensor t = ws.allocate(4);
    ws.close();
    assertThrows(IllegalStateException.class, t::toArray);
    assertThrows(IllegalStateException.class, () -> ws.allocate(4));
    ws.close();
  }
}
