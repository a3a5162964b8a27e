package dev.attn4j.internal.prepared;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.PreparedWeight;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;

/**
 * Each layer weight's prepared copy per backend, made on the weight's first forward on that backend and kept while
 * both the weight tensor and the backend are reachable (weak keys; prepared copies reference neither). Thread-safe.
 */
public final class PreparedWeights {
  private static final Map<Tensor, Map<Backend, Optional<PreparedWeight>>> CACHE = new WeakHashMap<>();

  private PreparedWeights() {}

  /** {@code backend}'s prepared form of {@code weight}, made now if needed; null when the backend prepares nothing. */
  public static PreparedWeight of(Backend backend, Tensor weight) {
    synchronized (CACHE) {
      return CACHE.computeIfAbsent(weight, w -> new WeakHashMap<>())
          .computeIfAbsent(backend, b -> Optional.ofNullable(b.prepareWeight(weight)))
          .orElse(null);
    }
  }
}
