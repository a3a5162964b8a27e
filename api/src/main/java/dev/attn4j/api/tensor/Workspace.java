package dev.attn4j.api.tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Scratch memory for the intermediates of a forward pass, reused instead of freed: tensors are carved from a few
 * large chunks, and {@link #frame()} or {@link #reset()} hands their memory out again. {@link #close()} ends every
 * tensor of the workspace and gives its chunks to the next workspaces opened in this process (so that a forward pass
 * does not allocate and zero-fill them again); raw {@code MemorySegment}s taken from its tensors must not be kept
 * past it. Always close a workspace (try-with-resources): the memory of one that is never closed is never freed.
 *
 * <p>Why: opening and closing a {@code TensorScope} costs tens of microseconds (closing its shared arena stops every
 * Java thread for a handshake), and a forward pass needs a few temporaries per layer. A workspace pays that once.
 *
 * <p>Contract: memory is <em>not</em> zero-filled, so every tensor must be written before it is read (all kernels
 * write their whole output). A tensor stays safe to access until the workspace closes, but once its frame has
 * closed (or the workspace was reset) its memory may hold another tensor: only use a workspace for values whose
 * lifetime the code controls. Allocations are 64-byte aligned.
 *
 * <p>Not thread-safe: one thread allocates at a time (kernels on other threads may read and write its tensors).
 *
 * <p>Stability: stable since 0.2.
 */
public final class Workspace implements TensorAllocator, AutoCloseable {
  /** Smallest chunk: fits a BERT-base layer's intermediates at 128 tokens in a handful of chunks. */
  private static final long MIN_CHUNK = 1L << 22;

  /** Only a lifetime: tensors are wrapped in it, so that they fail once the workspace closes. */
  private final TensorScope scope = TensorScope.open();
  private final ChunkPool pool;
  private final List<MemorySegment> chunks = new ArrayList<>();
  private int chunk;
  private long offset;
  private int depth;
  private int generation;

  Workspace(ChunkPool pool) {
    this.pool = pool;
  }

  /** An empty workspace; memory is taken as tensors are allocated. */
  public static Workspace open() {
    return new Workspace(ChunkPool.SHARED);
  }

  @Override
  public Tensor allocate(Shape shape) {
    scope.checkOpen();
    long bytes = Math.max(1, shape.size()) * Float.BYTES;
    long aligned = (bytes + TensorScope.ALIGNMENT - 1) / TensorScope.ALIGNMENT * TensorScope.ALIGNMENT;
    while (chunk < chunks.size() && chunks.get(chunk).byteSize() - offset < aligned) {
      chunk++;
      offset = 0;
    }
    if (chunk == chunks.size()) {
      chunks.add(pool.take(Math.max(MIN_CHUNK, aligned)));
      offset = 0;
    }
    MemorySegment s = chunks.get(chunk).asSlice(offset, bytes);
    offset += aligned;
    return scope.wrap(s, shape);
  }

  /**
   * Marks the current position: closing the frame gives back everything allocated since. Frames nest and must be
   * closed in reverse order of opening.
   */
  public Frame frame() {
    scope.checkOpen();
    return new Frame(chunk, offset, ++depth, generation);
  }

  /** Gives back every tensor allocated so far and ends every open frame; the memory stays with the workspace. */
  public void reset() {
    generation++;
    chunk = 0;
    offset = 0;
    depth = 0;
  }

  /** Bytes of memory held. */
  public long capacity() {
    return chunks.stream().mapToLong(MemorySegment::byteSize).sum();
  }

  /**
   * Ends the workspace: every tensor of it becomes unusable, and its memory goes back to a process-wide pool of
   * chunks for later workspaces (up to {@code attn4j.workspace.keepBytes}, 64 MiB unless set; the rest is freed).
   * Idempotent.
   */
  @Override
  public void close() {
    if (!scope.isOpen()) {
      return;
    }
    scope.close(); // first: a tensor of this workspace must fail before its memory can belong to another one
    for (MemorySegment c : chunks) {
      pool.give(c);
    }
    chunks.clear();
  }

  /** A position in the workspace; see {@link Workspace#frame()}. Not thread-safe. */
  public final class Frame implements AutoCloseable {
    private final int chunkAtOpen;
    private final long offsetAtOpen;
    private final int level;
    private final int generationAtOpen;
    private boolean closed;

    private Frame(int chunk, long offset, int level, int generation) {
      this.chunkAtOpen = chunk;
      this.offsetAtOpen = offset;
      this.level = level;
      this.generationAtOpen = generation;
    }

    /** Gives back the tensors allocated since this frame opened. Idempotent. */
    @Override
    public void close() {
      if (closed || generationAtOpen != generation) {
        closed = true;
        return; // already ended by reset()
      }
      if (level != depth) {
        throw new IllegalStateException("workspace frames closed out of order (frame " + level + " closed while " + depth + " is open)");
      }
      closed = true;
      depth--;
      chunk = chunkAtOpen;
      offset = offsetAtOpen;
    }
  }
}
