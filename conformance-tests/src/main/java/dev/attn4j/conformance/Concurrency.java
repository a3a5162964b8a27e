package dev.attn4j.conformance;

import static dev.attn4j.conformance.Oracle.U;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.Transpose;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Helpers for backend tests that call from many Java threads at once: start workers together, and a self-checking
 * batched GEMM (against the float64 oracle, GEMM budget) that each worker can run with its own shapes. Stateless.
 */
public final class Concurrency {
  private Concurrency() {}

  /** One worker's body; {@code id} is 0..threads-1. */
  @FunctionalInterface
  public interface Worker {
    void run(int id) throws Exception;
  }

  /** Runs {@code threads} workers released at the same moment; rethrows the first failure (2-minute limit each). */
  public static void runConcurrently(int threads, Worker work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          start.await();
          work.run(id);
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** {@code C[batch, m, n] = A[batch, m, k] * W[n, k]^T} on {@code b} with seeded data, checked against the oracle. */
  public static void checkedProduct(Backend b, int m, int n, int k, int batch, long seed) {
    float[] a = Data.uniform(seed, batch * m * k);
    float[] w = Data.uniform(seed + 1, n * k);
    try (TensorScope s = TensorScope.open()) {
      Tensor c = s.of(Data.nans(batch * m * n), batch, m, n);
      b.gemm(1f, s.of(a, batch, m, k), Transpose.NONE, s.of(w, n, k), Transpose.TRANSPOSE, 0f, c);
      double[] wt = Oracle.transpose(Oracle.toDouble(w), n, k);
      float[] got = c.toArray();
      for (int i = 0; i < batch; i++) {
        double[] ai = Oracle.toDouble(Arrays.copyOfRange(a, i * m * k, (i + 1) * m * k));
        double[] ref = Oracle.matmul(ai, wt, m, n, k);
        double[] mag = Oracle.matmul(Oracle.abs(ai), Oracle.abs(wt), m, n, k);
        Budget.check("GEMM seed " + seed + " batch " + i, ref, Arrays.copyOfRange(got, i * m * n, (i + 1) * m * n),
            j -> (k + 2) * U * mag[j] + 1e-30);
      }
    }
  }
}
