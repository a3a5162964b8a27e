package dev.attn4j.backend.onednn.internal;

import dev.attn4j.backend.onednn.PrimitiveCacheStats;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A bounded, least-recently-used cache of primitives keyed by what determines them (kind, dims, strides,
 * attributes). Also remembers keys oneDNN has no implementation for, so that they fall back at once.
 *
 * <p>Thread-safe: lookups hold one short lock; creation, which can take milliseconds, runs outside it (two threads
 * racing on a new key may both create, and the loser's primitive is released). An acquired primitive stays valid
 * until its {@link Primitive#release()}, even if evicted meanwhile.
 */
final class PrimitiveCache {
  /** Stands for "oneDNN has no implementation for this key". */
  private static final Object UNSUPPORTED = new Object();

  private final int capacity;
  private final LinkedHashMap<String, Object> map = new LinkedHashMap<>(64, 0.75f, true);
  private long hits;
  private long misses;
  private long evictions;
  private boolean closed;

  PrimitiveCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("primitive cache capacity must be >= 1, got " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * The primitive for {@code key}, retained for the caller (who must release it), created with {@code factory} on
   * a miss; empty when the factory returns null (no implementation).
   */
  Optional<Primitive> acquire(String key, Supplier<Primitive> factory) {
    synchronized (this) {
      ensureOpen();
      Object v = map.get(key);
      if (v == UNSUPPORTED) {
        hits++;
        return Optional.empty();
      }
      if (v instanceof Primitive p && p.retain()) {
        hits++;
        return Optional.of(p);
      }
      misses++;
    }
    Primitive created = factory.get();
    List<Primitive> evicted = new ArrayList<>();
    Primitive result;
    synchronized (this) {
      Object v = map.get(key);
      if (v instanceof Primitive p && p.retain()) {
        result = p; // another thread won the race
      } else if (v == UNSUPPORTED) {
        result = null;
      } else {
        map.put(key, created == null ? UNSUPPORTED : created);
        if (created != null) {
          created.retain();
        }
        result = created;
        created = null;
        for (Iterator<Map.Entry<String, Object>> it = map.entrySet().iterator(); map.size() > capacity && it.hasNext(); ) {
          Object old = it.next().getValue();
          it.remove();
          evictions++;
          if (old instanceof Primitive p) {
            evicted.add(p);
          }
        }
      }
      if (closed) {
        evicted.addAll(drain());
      }
    }
    if (created != null) {
      created.release();
    }
    evicted.forEach(Primitive::release);
    return Optional.ofNullable(result);
  }

  /** Releases every cached primitive; later acquisitions fail. Primitives in use die with their last user. */
  void close() {
    List<Primitive> all;
    synchronized (this) {
      closed = true;
      all = drain();
    }
    all.forEach(Primitive::release);
  }

  private List<Primitive> drain() {
    List<Primitive> all = new ArrayList<>();
    for (Object v : map.values()) {
      if (v instanceof Primitive p) {
        all.add(p);
      }
    }
    map.clear();
    return all;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("oneDNN primitive cache is closed");
    }
  }

  synchronized PrimitiveCacheStats stats() {
    return new PrimitiveCacheStats(hits, misses, evictions, map.size(), capacity);
  }
}
