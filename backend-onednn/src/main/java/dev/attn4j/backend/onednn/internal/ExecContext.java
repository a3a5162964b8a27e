package dev.attn4j.backend.onednn.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What one execution needs besides the primitive: a stream (oneDNN streams are not thread-safe) and a scratchpad
 * buffer that grows to the largest request. Used by one thread at a time, handed between threads by the
 * engine's pool; the scratchpad lives in a shared arena for that reason.
 */
final class ExecContext {
  private final Dnnl dnnl;
  private final MemorySegment stream;
  private Arena scratchArena;
  private MemorySegment scratch;

  ExecContext(Dnnl dnnl, MemorySegment engine) {
    this.dnnl = dnnl;
    this.stream = dnnl.streamCreate(engine);
  }

  MemorySegment stream() {
    return stream;
  }

  /** A scratchpad of at least {@code bytes}, 64-byte aligned (what oneDNN's kernels expect). */
  MemorySegment scratch(long bytes) {
    if (scratch == null || scratch.byteSize() < bytes) {
      if (scratchArena != null) {
        scratchArena.close();
      }
      scratchArena = Arena.ofShared();
      scratch = scratchArena.allocate(Math.max(bytes, 4096), 64);
    }
    return scratch;
  }

  /** Bytes of scratchpad held. */
  long scratchBytes() {
    return scratch == null ? 0 : scratch.byteSize();
  }

  void close() {
    dnnl.streamDestroy(stream);
    if (scratchArena != null) {
      scratchArena.close();
      scratchArena = null;
      scratch = null;
    }
  }
}
