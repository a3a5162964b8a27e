package dev.attn4j.api;

import dev.attn4j.spi.Backend;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * A backend being opened on a thread of its own, so that an application can load its model meanwhile: opening a
 * native backend (finding and mapping the library, binding its functions) and reading a model's files are
 * independent, and on a cold JVM each takes a few hundred milliseconds.
 *
 * <pre>{@code
 * try (PendingBackend pending = Backends.openInBackground("onednn", options);
 *     BertModel model = BertModel.load(dir)) {
 *   Backend backend = pending.get(); // waits for the open to finish; throws what opening threw
 *   ...
 * }
 * }</pre>
 *
 * <p>It owns the backend: {@link #close()} waits for the open to finish and closes the backend if one was opened,
 * so a model that fails to load does not leave an open backend behind. Close it, not the backend {@link #get()}
 * returns.
 *
 * <p>Thread-safe. Stability: stable since 0.1.
 */
public final class PendingBackend implements AutoCloseable {
  private final CompletableFuture<Backend> opening = new CompletableFuture<>();
  private boolean closed;

  private PendingBackend() {}

  /**
   * Starts {@code opener} on a new daemon thread and returns at once.
   *
   * @param opener opens the backend, e.g. {@code () -> Backends.open("onednn", options)}
   */
  public static PendingBackend start(Supplier<? extends Backend> opener) {
    Objects.requireNonNull(opener, "opener");
    PendingBackend pending = new PendingBackend();
    Thread.ofPlatform().name("attn4j-backend-open").daemon(true).start(() -> {
      try {
        pending.opening.complete(Objects.requireNonNull(opener.get(), "the opener returned null"));
      } catch (Throwable e) {
        pending.opening.completeExceptionally(e);
      }
    });
    return pending;
  }

  /**
   * Waits for the backend to be open and returns it; the same instance on every call.
   *
   * @throws RuntimeException what opening threw, e.g. a {@link BackendUnavailableException}, unchanged
   * @throws IllegalStateException if this was closed
   */
  public Backend get() {
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("this pending backend is closed");
      }
    }
    try {
      return opening.join();
    } catch (CompletionException e) {
      // Rethrown as is, so callers catch the type opening threw, as they would around a direct open.
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("opening the backend failed: " + cause, cause);
    }
  }

  /** Whether the open has finished, successfully or not. */
  public boolean isDone() {
    return opening.isDone();
  }

  /**
   * Waits for the open to finish and closes the backend if it opened. A failed open is not rethrown here (it is
   * from {@link #get()}): closing is also what runs when something else already went wrong. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    Backend backend;
    try {
      backend = opening.join();
    } catch (CompletionException e) {
      return;
    }
    backend.close();
  }
}
