package dev.attn4j.api.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Workspace chunks kept after their workspace closes, for the next workspace to take: a forward pass opens a few
 * workspaces, and without this each one allocated and zero-filled its chunks again (~1 ms per bge-small forward at
 * 128 tokens). At most {@code capacity} bytes are kept; a chunk given back that does not fit is freed at once (each
 * chunk has an arena of its own). Process-wide, because a workspace has no owner to hang the chunks on.
 *
 * <p>Thread-safe.
 */
final class ChunkPool {
  static final ChunkPool SHARED = new ChunkPool(Long.getLong("attn4j.workspace.keepBytes", 64L << 20));

  private final long capacity;
  private final List<MemorySegment> free = new ArrayList<>();
  /** The arena of every chunk handed out and not yet freed, by address: a chunk that is not kept is freed at once. */
  private final Map<Long, Arena> arenas = new HashMap<>();
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
    // Shared: a chunk may be given back by another thread than the one that took it.
    Arena arena = Arena.ofShared();
    MemorySegment chunk = arena.allocate(bytes, TensorScope.ALIGNMENT);
    synchronized (this) {
      arenas.put(chunk.address(), arena);
    }
    return chunk;
  }

  /**
   * Keeps {@code chunk} for a later {@link #take} if there is room, else frees it now (left to the GC, large chunks
   * given back on every call piled up to gigabytes before it ran); the caller must no longer use it.
   */
  void give(MemorySegment chunk) {
    Arena dropped;
    synchronized (this) {
      if (kept + chunk.byteSize() <= capacity) {
        free.add(chunk);
        kept += chunk.byteSize();
        return;
      }
      dropped = arenas.remove(chunk.address());
    }
    if (dropped != null) {
      dropped.close();
    }
  }
}
