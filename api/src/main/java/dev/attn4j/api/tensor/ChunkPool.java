package dev.attn4j.api.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Workspace chunks kept after their workspace closes, for the next workspace to take: a forward pass opens a few
 * workspaces, and without this each one allocated and zero-filled its chunks again (~1 ms per bge-small forward at
 * 128 tokens). At most {@code capacity} bytes are kept; a chunk that does not fit is dropped and freed by the GC
 * (chunks come from automatic arenas). Process-wide, because a workspace has no owner to hang the chunks on.
 *
 * <p>Thread-safe.
 */
final class ChunkPool {
  static final ChunkPool SHARED = new ChunkPool(Long.getLong("attn4j.workspace.keepBytes", 64L << 20));

  private final long capacity;
  private final List<MemorySegment> free = new ArrayList<>();
  private long kept;

  ChunkPool(long capacity) {
    this.capacity = Math.max(0, capacity);
  }

  /** Bytes kept now. */
  synchronized long kept() {
    return kept;
  }

  /** The smallest kept chunk of at least {@code bytes}, or a new one of exactly {@code bytes}; 64-byte aligned. */
  MemorySegment take(long bytes) {
    synchronized (this) {
      int best = -1;
      for (int i = 0; i < free.size(); i++) {
        long size = free.get(i).byteSize();
        if (size >= bytes && (best < 0 || size < free.get(best).byteSize())) {
          best = i;
        }
      }
      if (best >= 0) {
        MemorySegment chunk = free.remove(best);
        kept -= chunk.byteSize();
        return chunk;
      }
    }
    return Arena.ofAuto().allocate(bytes, TensorScope.ALIGNMENT);
  }

  /** Keeps {@code chunk} for a later {@link #take} if there is room; the caller must no longer use it. */
  synchronized void give(MemorySegment chunk) {
    if (kept + chunk.byteSize() <= capacity) {
      free.add(chunk);
      kept += chunk.byteSize();
    }
  }
}
