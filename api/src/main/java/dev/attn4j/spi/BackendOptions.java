package dev.attn4j.spi;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Options passed to {@link BackendProvider#create}: the number of compute threads and backend-specific
 * string properties (for example {@code java.simd=false}). Immutable and thread-safe; build with the
 * {@code with...} methods starting from {@link #defaults()}.
 *
 * <p>Stability: stable since 0.1.
 */
public final class BackendOptions {
  private static final BackendOptions DEFAULTS = new BackendOptions(0, Map.of());

  private final int threads;
  private final Map<String, String> properties;

  private BackendOptions(int threads, Map<String, String> properties) {
    this.threads = threads;
    this.properties = properties;
  }

  /** Default threads (all available processors), no properties. */
  public static BackendOptions defaults() {
    return DEFAULTS;
  }

  /**
   * A copy with the given thread count; {@code 0} means {@link Runtime#availableProcessors()}.
   *
   * @throws IllegalArgumentException if {@code threads} is negative
   */
  public BackendOptions withThreads(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("thread count must be >= 0 (0 = all processors), got " + threads);
    }
    return new BackendOptions(threads, properties);
  }

  /** A copy with one more property. */
  public BackendOptions with(String key, String value) {
    Map<String, String> p = new TreeMap<>(properties);
    p.put(key, value);
    return new BackendOptions(threads, Map.copyOf(p));
  }

  /** The requested thread count, with {@code 0} resolved to the number of available processors. */
  public int threads() {
    return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
  }

  /** A backend-specific property. */
  public Optional<String> property(String key) {
    return Optional.ofNullable(properties.get(key));
  }

  /** All properties. */
  public Map<String, String> properties() {
    return properties;
  }

  @Override
  public String toString() {
    return "BackendOptions[threads=" + threads() + (properties.isEmpty() ? "" : ", " + properties) + "]";
  }
}
