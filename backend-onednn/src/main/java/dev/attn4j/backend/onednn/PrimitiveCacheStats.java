package dev.attn4j.backend.onednn;

/**
 * A snapshot of a oneDNN backend's primitive cache: lookups that found a primitive (or a remembered "no
 * implementation"), lookups that created one, primitives evicted to stay within {@code capacity}, and the
 * current number of entries. Immutable.
 *
 * <p>Stability: stable since 0.1.
 */
public record PrimitiveCacheStats(long hits, long misses, long evictions, int size, int capacity) {}
