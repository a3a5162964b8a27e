package dev.attn4j.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The pool's contract: every part exactly once, failures rethrown after all parts, no nested fan-out, callers in turn. */
class WorkerPoolTest {

  @Test
  void everyPartRunsExactlyOnceOverManyCalls() {
    try (WorkerPool pool = new WorkerPool(3)) {
      Set<String> threads = ConcurrentHashMap.newKeySet();
      for (int call = 0; call < 2000; call++) {
        int parts = 1 + call % 17;
        AtomicIntegerArray seen = new AtomicIntegerArray(parts);
        pool.run(parts, i -> {
          seen.incrementAndGet(i);
          threads.add(Thread.currentThread().getName());
        });
        for (int i = 0; i < parts; i++) {
          assertEquals(1, seen.get(i), "call " + call + " part " + i);
        }
        // Idle long enough now and then for the workers to park, so that waking them is exercised too.
        if (call % 250 == 0) {
          LockSupportSleep.nanos(2 * WorkerPool.SPIN_NANOS);
        }
      }
      assertTrue(threads.size() <= 3, "at most the caller and two workers: " + threads);
    }
  }

  @Test
  void aPartsFailureIsRethrownAfterEveryPartHasFinished() {
    try (WorkerPool pool = new WorkerPool(2)) {
      AtomicInteger finished = new AtomicInteger();
      IllegalArgumentException boom = new IllegalArgumentException("part 3");
      IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> pool.run(8, i -> {
        if (i == 3) {
          throw boom;
        }
        LockSupportSleep.nanos(100_000);
        finished.incrementAndGet();
      }));
      assertSame(boom, thrown);
      assertEquals(7, finished.get(), "the other parts ran to the end before run returned");
      // The pool is still usable.
      AtomicInteger after = new AtomicInteger();
      pool.run(4, i -> after.incrementAndGet());
      assertEquals(4, after.get());
    }
  }

  @Test
  void nestedRunsInlineOnTheThreadThatAsks() {
    try (WorkerPool pool = new WorkerPool(2)) {
      AtomicInteger inner = new AtomicInteger();
      pool.run(4, i -> {
        Thread outer = Thread.currentThread();
        pool.run(3, j -> {
          assertSame(outer, Thread.currentThread());
          inner.incrementAndGet();
        });
      });
      assertEquals(12, inner.get());
    }
  }

  @Test
  void concurrentCallersEachGetAllTheirParts() throws Exception {
    try (WorkerPool pool = new WorkerPool(2)) {
      ExecutorService callers = Executors.newFixedThreadPool(4);
      try {
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        Future<?>[] fs = new Future<?>[4];
        for (int c = 0; c < 4; c++) {
          fs[c] = callers.submit(() -> {
            start.await();
            for (int call = 0; call < 300; call++) {
              AtomicIntegerArray seen = new AtomicIntegerArray(5);
              pool.run(5, i -> {
                maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                seen.incrementAndGet(i);
                running.decrementAndGet();
              });
              for (int i = 0; i < 5; i++) {
                assertEquals(1, seen.get(i));
              }
            }
            return null;
          });
        }
        start.countDown();
        for (Future<?> f : fs) {
          f.get(60, TimeUnit.SECONDS);
        }
        assertTrue(maxRunning.get() <= 2, "never more parts at once than threads: " + maxRunning.get());
      } finally {
        callers.shutdownNow();
      }
    }
  }

  @Test
  void singleThreadPoolRunsOnTheCaller() {
    try (WorkerPool pool = new WorkerPool(1)) {
      Thread caller = Thread.currentThread();
      pool.run(5, i -> assertSame(caller, Thread.currentThread()));
    }
    assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0));
  }

  /** Sleeps without the scheduler's millisecond granularity mattering much. */
  private static final class LockSupportSleep {
    static void nanos(long n) {
      long end = System.nanoTime() + n;
      while (System.nanoTime() < end) {
        java.util.concurrent.locks.LockSupport.parkNanos(end - System.nanoTime());
      }
    }
  }
}
