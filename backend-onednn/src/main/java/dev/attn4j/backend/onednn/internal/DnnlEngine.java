package dev.attn4j.backend.onednn.internal;

import dev.attn4j.backend.onednn.PrimitiveCacheStats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;

/**
 * One backend instance's oneDNN state: a CPU engine, a pool of execution contexts (stream + scratchpad), and the
 * primitive cache. Executions wrap the caller's memory in oneDNN memory objects for the duration of the call only.
 *
 * <p>Thread-safe: each execution borrows its own context; {@link #close()} must not race with executions.
 */
public final class DnnlEngine implements AutoCloseable {
  private final Dnnl dnnl;
  private final MemorySegment engine;
  private final int threads;
  private final PrimitiveCache cache;
  private final ConcurrentLinkedDeque<ExecContext> idle = new ConcurrentLinkedDeque<>();
  private final List<ExecContext> all = new ArrayList<>();
  private boolean closed;

  public DnnlEngine(Dnnl dnnl, int threads, int cacheCapacity) {
    this.dnnl = dnnl;
    this.threads = threads;
    this.cache = new PrimitiveCache(cacheCapacity);
    this.engine = dnnl.engineCreate();
  }

  Dnnl dnnl() {
    return dnnl;
  }

  MemorySegment handle() {
    return engine;
  }

  /** The cached primitive for {@code key}, created by {@code factory} on a miss (with this engine's thread count). */
  Optional<Primitive> primitive(String key, Supplier<Primitive> factory) {
    return cache.acquire(key, () -> {
      // Implementations size their work split for the thread count current at creation.
      dnnl.setThreads(threads);
      return factory.get();
    });
  }

  /**
   * Executes {@code p} on {@code data} (one native segment per argument of {@code p}, in order) and waits; releases
   * the caller's reference to {@code p}. The caller has checked that each segment covers its descriptor.
   */
  void executeAndRelease(Primitive p, MemorySegment... data) {
    try {
      execute(p, data);
    } finally {
      p.release();
    }
  }

  private void execute(Primitive p, MemorySegment[] data) {
    int[] ids = p.argIds();
    if (data.length != ids.length) {
      throw new IllegalArgumentException("primitive takes " + ids.length + " arguments, got " + data.length);
    }
    MemorySegment spMd = p.scratchpadMd();
    int nargs = ids.length + (spMd == null ? 0 : 1);
    ExecContext ctx = borrow();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment args = arena.allocate(16L * nargs, 8);
      MemorySegment[] mems = new MemorySegment[nargs];
      try {
        for (int i = 0; i < ids.length; i++) {
          mems[i] = dnnl.memoryCreate(p.argMd(i), engine, data[i], arena);
          args.set(ValueLayout.JAVA_INT, 16L * i, ids[i]);
          args.set(ValueLayout.ADDRESS, 16L * i + 8, mems[i]);
        }
        if (spMd != null) {
          mems[nargs - 1] = dnnl.memoryCreate(spMd, engine, ctx.scratch(p.scratchpadBytes()), arena);
          args.set(ValueLayout.JAVA_INT, 16L * (nargs - 1), Dnnl.ARG_SCRATCHPAD);
          args.set(ValueLayout.ADDRESS, 16L * (nargs - 1) + 8, mems[nargs - 1]);
        }
        dnnl.setThreads(threads);
        dnnl.execute(p.handle(), ctx.stream(), nargs, args);
      } finally {
        for (MemorySegment m : mems) {
          if (m != null) {
            dnnl.memoryDestroy(m);
          }
        }
      }
    } finally {
      idle.push(ctx);
    }
  }

  private ExecContext borrow() {
    ExecContext ctx = idle.poll();
    if (ctx != null) {
      return ctx;
    }
    synchronized (all) {
      if (closed) {
        throw new IllegalStateException("oneDNN engine is closed");
      }
      ctx = new ExecContext(dnnl, engine);
      all.add(ctx);
      return ctx;
    }
  }

  /** Primitive cache counters. */
  public PrimitiveCacheStats cacheStats() {
    return cache.stats();
  }

  /** Scratchpad bytes held across the execution contexts. */
  public long scratchpadBytes() {
    synchronized (all) {
      return all.stream().mapToLong(ExecContext::scratchBytes).sum();
    }
  }

  @Override
  public void close() {
    synchronized (all) {
      if (closed) {
        return;
      }
      closed = true;
      cache.close();
      all.forEach(ExecContext::close);
      all.clear();
      idle.clear();
      dnnl.engineDestroy(engine);
    }
  }
}
