package dev.attn4j.backend.java.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The compute threads of one backend instance: {@code threads} daemon workers, or none when {@code threads}
 * is 1 (work then runs on the caller). The caller blocks while workers run, so a kernel keeps at most
 * {@code threads} cores busy. Thread-safe; several Java threads may submit at once (their parts queue on
 * the same workers, which bounds the total instead of oversubscribing).
 */
public final class WorkerPool implements AutoCloseable {
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final int threads;
  private final ForkJoinPool pool;

  /** A pool of {@code threads >= 1} workers. */
  public WorkerPool(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.threads = threads;
    int id = POOLS.incrementAndGet();
    this.pool = threads == 1 ? null : new ForkJoinPool(threads, p -> {
      ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
      t.setName("attn4j-java-" + id + "-" + t.getPoolIndex());
      t.setDaemon(true);
      return t;
    }, null, false);
  }

  /** Number of threads. */
  public int threads() {
    return threads;
  }

  /** Runs {@code task.accept(i)} for {@code i} in {@code [0, parts)}, in parallel, and waits for all. */
  public void run(int parts, IntConsumer task) {
    if (parts <= 0) {
      return;
    }
    if (pool == null || parts == 1 || Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool) {
      // Inline when single-threaded, trivial, or already on one of our workers (no nested fan-out).
      for (int i = 0; i < parts; i++) {
        task.accept(i);
      }
      return;
    }
    List<Callable<Void>> calls = new ArrayList<>(parts);
    for (int i = 0; i < parts; i++) {
      int part = i;
      calls.add(() -> {
        task.accept(part);
        return null;
      });
    }
    try {
      for (Future<Void> f : pool.invokeAll(calls)) {
        f.get();
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for kernel workers", e);
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdown();
    }
  }
}
