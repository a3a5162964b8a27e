package dev.attn4j.backend.java.scratch;

import dev.attn4j.api.tensor.Workspace;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Workspaces lent to kernels for their temporaries and taken back for the next call, one per concurrent caller.
 * A workspace that grew beyond {@value #KEEP_BYTES} bytes is closed on return rather than kept, so a single huge call
 * does not pin its memory for the backend's lifetime (its chunks go to the process-wide pool every closed workspace
 * feeds, which keeps a bounded amount). Thread-safe.
 */
public final class ScratchPool implements AutoCloseable {
  /** Largest workspace kept for reuse: attention scores of 8 x 12 heads x 256 x 256 tokens. */
  static final long KEEP_BYTES = 1L << 26;

  private final ConcurrentLinkedQueue<Workspace> idle = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  /** An empty (reset) workspace. */
  public Workspace borrow() {
    Workspace w = idle.poll();
    return w != null ? w : Workspace.open();
  }

  /** Takes {@code w} back; its tensors must no longer be used. */
  public void giveBack(Workspace w) {
    w.reset();
    if (closed || w.capacity() > KEEP_BYTES) {
      w.close();
      return;
    }
    idle.offer(w);
    if (closed && idle.remove(w)) {
      w.close(); // closed while we were offering: do not leak it
    }
  }

  /** Frees the idle workspaces; ones still lent are freed when given back. */
  @Override
  public void close() {
    closed = true;
    for (Workspace w; (w = idle.poll()) != null; ) {
      w.close();
    }
  }
}
