package dev.attn4j.api.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ChunkPoolTest {
  private static final long MIB = 1L << 20;

  @Test
  void aClosedWorkspacesChunkServesTheNextOne() {
    ChunkPool pool = new ChunkPool(64 * MIB);
    long first;
    try (Workspace ws = new Workspace(pool)) {
      first = ws.allocate(10).segment().address();
    }
    assertEquals(4 * MIB, pool.kept());
    try (Workspace ws = new Workspace(pool)) {
      assertEquals(first, ws.allocate(10).segment().address());
      assertEquals(0, pool.kept(), "a chunk is lent to one workspace at a time");
    }
  }

  @Test
  void tensorsOfAClosedWorkspaceFailEvenThoughItsMemoryLivesOn() {
    ChunkPool pool = new ChunkPool(64 * MIB);
    Workspace ws = new Workspace(pool);
    Tensor t = ws.allocate(4);
    long address = t.segment().address();
    ws.close();
    try (Workspace next = new Workspace(pool)) {
      Tensor reused = next.allocate(4);
      assertEquals(address, reused.segment().address());
      assertThrows(IllegalStateException.class, t::toArray);
      assertThrows(IllegalStateException.class, t::segment);
    }
  }

  @Test
  void keepsAtMostItsCapacityAndTakesTheSmallestChunkThatFits() {
    ChunkPool pool = new ChunkPool(20 * MIB);
    MemorySegment small = pool.take(4 * MIB);
    MemorySegment medium = pool.take(8 * MIB);
    MemorySegment large = pool.take(16 * MIB);
    pool.give(large);
    pool.give(medium); // 24 MiB would pass the capacity: dropped
    pool.give(small);
    assertEquals(20 * MIB, pool.kept());
    assertEquals(small.address(), pool.take(1).address());
    MemorySegment five = pool.take(5 * MIB);
    assertEquals(large.address(), five.address(), "the 8 MiB chunk was dropped, so 5 MiB comes from the 16 MiB one");
    assertNotEquals(medium.address(), five.address());
    assertEquals(0, pool.kept());
    assertEquals(32 * MIB, pool.take(32 * MIB).byteSize(), "nothing kept fits: a new chunk of the asked size");
  }

  @Test
  void aChunkThatIsNotKeptIsFreedAtOnce() {
    ChunkPool pool = new ChunkPool(8 * MIB);
    MemorySegment kept = pool.take(8 * MIB);
    MemorySegment extra = pool.take(8 * MIB);
    pool.give(kept);
    pool.give(extra);
    assertEquals(8 * MIB, pool.kept());
    assertTrue(kept.scope().isAlive());
    assertFalse(extra.scope().isAlive(), "dropped, so freed now rather than whenever the GC runs");
  }

  @Test
  void zeroCapacityKeepsNothing() {
    ChunkPool pool = new ChunkPool(0);
    try (Workspace ws = new Workspace(pool)) {
      ws.allocate(10);
    }
    assertEquals(0, pool.kept());
  }

  @Test
  void concurrentWorkspacesNeverShareAChunk() throws Exception {
    ChunkPool pool = new ChunkPool(64 * MIB);
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int id = 0; id < 4; id++) {
        float mark = id + 1;
        done.add(threads.submit(() -> {
          float[] expected = new float[1 << 16];
          java.util.Arrays.fill(expected, mark);
          for (int round = 0; round < 200; round++) {
            try (Workspace ws = new Workspace(pool)) {
              Tensor t = ws.allocate(expected.length);
              t.copyFrom(expected);
              Thread.yield();
              assertArrayEquals(expected, t.toArray(), "another workspace wrote into this one's chunk");
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
