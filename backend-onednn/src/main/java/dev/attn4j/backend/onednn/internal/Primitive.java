package dev.attn4j.backend.onednn.internal;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A created oneDNN primitive, its primitive descriptor, and the memory descriptors of the arguments it is
 * executed with (in {@link #argIds} order). Reference counted: the primitive cache holds one reference and each
 * execution in flight another, so an entry evicted while in use is destroyed by its last user. Thread-safe.
 */
final class Primitive {
  private final Dnnl dnnl;
  private final MemorySegment pd;
  private final MemorySegment primitive;
  private final int[] argIds;
  private final MemorySegment[] argMds;
  private final List<MemorySegment> ownedMds;
  private final MemorySegment scratchpadMd;
  private final long scratchpadBytes;
  private final String impl;
  private final AtomicInteger refs = new AtomicInteger(1);

  /**
   * Creates the primitive from {@code pd}, taking ownership of {@code pd} (released here on failure) and of
   * {@code ownedMds} (released on the last {@link #release()}; on failure they stay the caller's).
   */
  Primitive(Dnnl dnnl, MemorySegment pd, int[] argIds, MemorySegment[] argMds, List<MemorySegment> ownedMds) {
    this.dnnl = dnnl;
    this.pd = pd;
    this.argIds = argIds;
    this.argMds = argMds;
    this.ownedMds = ownedMds;
    try {
      this.primitive = dnnl.primitiveCreate(pd);
      this.impl = dnnl.implInfo(pd);
      MemorySegment sp = dnnl.scratchpadMd(pd);
      this.scratchpadMd = sp.equals(MemorySegment.NULL) ? null : sp;
      this.scratchpadBytes = scratchpadMd == null ? 0 : dnnl.mdSize(scratchpadMd);
    } catch (RuntimeException e) {
      dnnl.pdDestroy(pd);
      throw e;
    }
  }

  MemorySegment handle() {
    return primitive;
  }

  int[] argIds() {
    return argIds;
  }

  MemorySegment argMd(int i) {
    return argMds[i];
  }

  /** Scratchpad descriptor, or null when the implementation needs none. */
  MemorySegment scratchpadMd() {
    return scratchpadBytes == 0 ? null : scratchpadMd;
  }

  long scratchpadBytes() {
    return scratchpadBytes;
  }

  /** The implementation oneDNN chose, e.g. {@code "brg_matmul:avx512_core"}. */
  String impl() {
    return impl;
  }

  /** Takes a reference; false when the primitive has already been destroyed. */
  boolean retain() {
    for (int r = refs.get(); r > 0; r = refs.get()) {
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
    return false;
  }

  /** Drops a reference, destroying the native objects with the last one. */
  void release() {
    int r = refs.decrementAndGet();
    if (r == 0) {
      dnnl.primitiveDestroy(primitive);
      dnnl.pdDestroy(pd);
      ownedMds.forEach(dnnl::mdDestroy);
    } else if (r < 0) {
      throw new IllegalStateException("oneDNN primitive released more often than retained");
    }
  }

  /** Live references (1 for the cache alone). */
  int references() {
    return refs.get();
  }
}
