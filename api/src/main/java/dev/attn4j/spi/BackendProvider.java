package dev.attn4j.spi;

/**
 * Entry point of a backend, found with {@link java.util.ServiceLoader} (declare it with {@code provides} in
 * {@code module-info.java} and in {@code META-INF/services/dev.attn4j.spi.BackendProvider}).
 *
 * <p>Providers must be cheap to construct and free of side effects: load native code lazily, in
 * {@link #availability()} or {@link #create}, never in the constructor. Implementations must be
 * thread-safe; {@code availability()} should compute its answer once and cache it.
 *
 * <p>Stability: stable since 0.1.
 */
public interface BackendProvider {
  /** Short, unique, lower-case name used for selection, e.g. {@code "java"} or {@code "onednn"}. */
  String name();

  /** Preference when no backend is named: the available provider with the highest priority wins. */
  int priority();

  /** Whether {@link #create} can succeed here, and what was found or why not. */
  Availability availability();

  /**
   * A new backend instance. The caller owns it and must {@link Backend#close() close} it.
   *
   * @throws IllegalStateException if the backend is unavailable (the message carries the reason)
   */
  Backend create(BackendOptions options);
}
