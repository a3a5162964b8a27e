package dev.attn4j.api;

import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import java.util.List;

/**
 * Finds and opens backends: the {@link BackendRegistry} of every {@link BackendProvider} that
 * {@link java.util.ServiceLoader} finds on the module path or class path. Discovery happens once, on first
 * use, and has no side effects (providers load native code only when asked for availability or a backend).
 *
 * <pre>{@code
 * try (Backend backend = Backends.open("java", BackendOptions.defaults().withThreads(2))) { ... }
 * }</pre>
 *
 * <p>Thread-safe. Stability: stable since 0.1.
 */
public final class Backends {
  private Backends() {}

  private static final class Holder {
    static final BackendRegistry REGISTRY = BackendRegistry.load(Backends.class.getClassLoader());
  }

  /** The registry of discovered providers. */
  public static BackendRegistry registry() {
    return Holder.REGISTRY;
  }

  /** Every discovered provider, highest priority first. */
  public static List<BackendProvider> providers() {
    return registry().providers();
  }

  /** The discovered providers that are available here, highest priority first. */
  public static List<BackendProvider> available() {
    return registry().available();
  }

  /** Opens the named backend; see {@link BackendRegistry#open}. */
  public static Backend open(String name, BackendOptions options) {
    return registry().open(name, options);
  }

  /** Opens the named backend with default options. */
  public static Backend open(String name) {
    return open(name, BackendOptions.defaults());
  }

  /**
   * Starts opening the named backend on a thread of its own and returns at once, so that the caller can load a
   * model meanwhile; {@link PendingBackend#get()} waits for it and throws what {@link #open(String, BackendOptions)}
   * would have thrown.
   */
  public static PendingBackend openInBackground(String name, BackendOptions options) {
    return PendingBackend.start(() -> open(name, options));
  }

  /** Opens the highest-priority available backend; see {@link BackendRegistry#best}. */
  public static Backend best(BackendOptions options) {
    return registry().best(options);
  }

  /** Opens the backend named by {@code -Dattn4j.backend} or {@code ATTN4J_BACKEND}, else the best. */
  public static Backend openDefault(BackendOptions options) {
    return registry().openDefault(options);
  }
}
