package dev.attn4j.api.layers;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.PreparedWeight;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;

/**
 * The prepared copies ({@link Backend#prepareWeight}, e.g. a weight packed into a backend's GEMM layout) that
 * {@link Linear} makes on a weight's first forward on each backend and reuses on every later forward. This cache owns
 * them and closes them ({@link PreparedWeight#close()}):
 * <ul>
 *   <li>{@link #release(Tensor)}: one weight's copies, at once;
 *   <li>{@link #releaseFreed()}: the copies of every weight whose memory has been freed (its {@code TensorScope} or
 *       mapped file closed). A model's {@code close()} calls it, and so does every new preparation, so the copies of
 *       freed weights never pile up while a backend lives on;
 *   <li>a copy whose weight or backend becomes unreachable is dropped with it (weak keys) and freed by the garbage
 *       collector or, at the latest, by its backend's {@code close()}.
 * </ul>
 *
 * <p>Thread-safe. A weight must not be released while a forward on another thread is using it.
 *
 * <p>Stability: experimental.
 */
public final class PreparedWeights {
  // Tensor keeps identity equality, so two views of the same memory are two keys (each prepared once).
  private static final Map<Tensor, Map<Backend, Optional<PreparedWeight>>> CACHE = new WeakHashMap<>();

  private PreparedWeights() {}

  /** {@code backend}'s prepared form of {@code weight}, made now if needed; null when the backend prepares nothing. */
  static PreparedWeight of(Backend backend, Tensor weight) {
    List<PreparedWeight> freed;
    PreparedWeight made;
    synchronized (CACHE) {
      Map<Backend, Optional<PreparedWeight>> copies = CACHE.get(weight);
      Optional<PreparedWeight> copy = copies == null ? null : copies.get(backend);
      if (copy != null) {
        return copy.orElse(null);
      }
      // About to hold more memory: first let go of what freed weights still hold.
      freed = removeFreed();
      made = backend.prepareWeight(weight);
      CACHE.computeIfAbsent(weight, w -> new WeakHashMap<>()).put(backend, Optional.ofNullable(made));
    }
    closeAll(freed);
    return made;
  }

  /**
   * Closes every backend's prepared copy of {@code weight} now; the next forward with it prepares it again.
   *
   * @return how many copies were closed
   */
  public static int release(Tensor weight) {
    List<PreparedWeight> copies = new ArrayList<>();
    synchronized (CACHE) {
      Map<Backend, Optional<PreparedWeight>> perBackend = CACHE.remove(weight);
      if (perBackend != null) {
        addCopies(perBackend, copies);
      }
    }
    return closeAll(copies);
  }

  /**
   * Closes the prepared copies of every weight whose memory has been freed.
   *
   * @return how many copies were closed
   */
  public static int releaseFreed() {
    List<PreparedWeight> freed;
    synchronized (CACHE) {
      freed = removeFreed();
    }
    return closeAll(freed);
  }

  /** Bytes held by the cached prepared copies {@code backend} made ({@link PreparedWeight#bytes()} summed over its weights). */
  public static long bytes(Backend backend) {
    synchronized (CACHE) {
      long sum = 0;
      for (Map<Backend, Optional<PreparedWeight>> perBackend : CACHE.values()) {
        Optional<PreparedWeight> copy = perBackend.get(backend);
        if (copy != null && copy.isPresent()) {
          sum += copy.get().bytes();
        }
      }
      return sum;
    }
  }

  private static List<PreparedWeight> removeFreed() {
    List<PreparedWeight> freed = new ArrayList<>();
    for (Iterator<Map.Entry<Tensor, Map<Backend, Optional<PreparedWeight>>>> it = CACHE.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Tensor, Map<Backend, Optional<PreparedWeight>>> e = it.next();
      if (!e.getKey().isAlive()) {
        addCopies(e.getValue(), freed);
        it.remove();
      }
    }
    return freed;
  }

  /** Adds one weight's copies (backends that prepared nothing have none) to {@code into}. */
  private static void addCopies(Map<Backend, Optional<PreparedWeight>> perBackend, List<PreparedWeight> into) {
    perBackend.values().forEach(c -> c.ifPresent(into::add));
  }

  /** Closes each copy, all of them even when one fails; rethrows the first failure with the others suppressed. */
  private static int closeAll(List<PreparedWeight> copies) {
    RuntimeException failure = null;
    for (PreparedWeight c : copies) {
      try {
        c.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
    return copies.size();
  }
}
