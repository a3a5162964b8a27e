package dev.attn4j.backend.openblas;

import static dev.attn4j.conformance.Concurrency.checkedProduct;
import static dev.attn4j.conformance.Concurrency.runConcurrently;
import static dev.attn4j.conformance.Oracle.U;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.BackendRegistry;
import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.backend.openblas.internal.OpenBlas;
import dev.attn4j.spi.Availability;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.Transpose;
import dev.attn4j.conformance.Data;
import dev.attn4j.conformance.Oracle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What is specific to the OpenBLAS binding: discovery, which path a GEMM takes, threads and concurrency. */
class OpenBlasBackendTest {

  @Test
  void availableAndReportsLibraryVersionAndCore() {
    Availability a = new OpenBlasBackendProvider().availability();
    assertTrue(a.available(), "OpenBLAS must be available in this build (the Maven dependency carries it): " + a.detail());
    assertTrue(a.detail().contains("OpenBLAS"), a.detail());
    assertTrue(a.detail().contains("core "), a.detail());
    assertTrue(a.detail().matches(".*(bundled|system|from property): .*"), "names where it was loaded from: " + a.detail());
  }

  @Test
  void registryFindsItAndPrefersItOverJava() {
    BackendRegistry registry = BackendRegistry.load(getClass().getClassLoader());
    try (Backend best = registry.best(dev.attn4j.spi.BackendOptions.defaults().withThreads(1))) {
      assertEquals("openblas", best.name());
    }
  }

  @Test
  void plainBatchedAndTransposedProductsRunNatively() {
    try (OpenBlasBackend b = TestBlas.open(2); TensorScope s = TensorScope.open()) {
      b.gemm(1f, s.of(Data.uniform(1, 12), 3, 4), Transpose.NONE, s.of(Data.uniform(2, 20), 5, 4), Transpose.TRANSPOSE, 0f, s.allocate(3, 5));
      // Attention-like: [batch, heads, seq, d] views of a [batch, seq, heads*d] buffer.
      Tensor q = s.of(Data.uniform(3, 2 * 7 * 3 * 8), 2, 7, 3, 8).permute(0, 2, 1, 3);
      b.gemm(1f, q, Transpose.NONE, q, Transpose.TRANSPOSE, 0f, s.allocate(2, 3, 7, 7));
      b.gemm(1f, s.of(Data.uniform(4, 12), 4, 3), Transpose.TRANSPOSE, s.of(Data.uniform(5, 20), 4, 5), Transpose.NONE, 0f, s.allocate(5, 3).transpose());
      assertEquals(3, b.nativeGemmCalls());
      assertEquals(0, b.javaGemmCalls());
    }
  }

  @Test
  void layoutsBlasCannotExpressFallBackToJava() {
    try (OpenBlasBackend b = TestBlas.open(1); TensorScope s = TensorScope.open()) {
      Tensor broadcastRows = s.of(Data.uniform(1, 4), 1, 4).expand(Shape.of(3, 4));
      b.gemm(1f, broadcastRows, Transpose.NONE, s.of(Data.uniform(2, 8), 4, 2), Transpose.NONE, 0f, s.allocate(3, 2));
      b.gemm(1f, s.allocate(2, 0), Transpose.NONE, s.allocate(0, 2), Transpose.NONE, 0f, s.allocate(2, 2));
      assertEquals(0, b.nativeGemmCalls());
      assertEquals(2, b.javaGemmCalls());
    }
  }

  /** OpenBLAS's own pool stays at one thread: a 2-thread backend splits the product over its Java workers instead. */
  @Test
  void openBlasRunsAtOneThreadUnderTheJavaWorkers() {
    try (OpenBlasBackend one = TestBlas.open(1); OpenBlasBackend two = TestBlas.open(2); TensorScope s = TensorScope.open()) {
      Tensor a = s.of(Data.uniform(1, 96 * 80), 96, 80);
      Tensor w = s.of(Data.uniform(2, 80 * 112), 112, 80);
      Tensor c1 = s.allocate(96, 112);
      Tensor c2 = s.allocate(96, 112);
      one.gemm(1f, a, Transpose.NONE, w, Transpose.TRANSPOSE, 0f, c1);
      assertEquals(1, blas().nativeThreads());
      two.gemm(1f, a, Transpose.NONE, w, Transpose.TRANSPOSE, 0f, c2);
      assertEquals(1, blas().nativeThreads());
      float[] x = c1.toArray();
      float[] y = c2.toArray();
      for (int i = 0; i < x.length; i++) {
        assertEquals(x[i], y[i], 1e-5f * (1 + Math.abs(x[i])), "element " + i);
      }
      // Split along M as well (more rows than columns), with a transposed A.
      Tensor at = s.of(Data.uniform(3, 80 * 300), 80, 300);
      Tensor small = s.of(Data.uniform(4, 80 * 40), 80, 40);
      Tensor d1 = s.allocate(300, 40);
      Tensor d2 = s.allocate(300, 40);
      one.gemm(1f, at, Transpose.TRANSPOSE, small, Transpose.NONE, 0f, d1);
      two.gemm(1f, at, Transpose.TRANSPOSE, small, Transpose.NONE, 0f, d2);
      float[] p = d1.toArray();
      float[] r = d2.toArray();
      for (int i = 0; i < p.length; i++) {
        assertEquals(p[i], r[i], 1e-5f * (1 + Math.abs(p[i])), "element " + i);
      }
    }
  }

  /** Java threads calling at once, on one backend and on two with different thread counts, all get correct results. */
  @Test
  void concurrentCallersFromManyJavaThreads() throws Exception {
    int callers = 6;
    int rounds = 25;
    try (OpenBlasBackend one = TestBlas.open(1); OpenBlasBackend two = TestBlas.open(2)) {
      runConcurrently(callers, id -> {
        Backend b = id % 3 == 0 ? one : two;
        for (int r = 0; r < rounds; r++) {
          checkedProduct(b, 17 + (id * 7 + r) % 50, 33 + r % 40, 64 + (id + r) % 100, r % 3 + 1, id * 1000L + r);
        }
      });
    }
  }

  @Test
  void aMissingLibraryIsAReasonNotACrash() throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "-Dattn4j.openblas.library=/nonexistent/libopenblas.so.0", AvailabilityProbe.class.getName())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("available=false"), out);
    assertTrue(out.contains("/nonexistent/libopenblas.so.0"), out);
  }

  private static OpenBlas blas() {
    try {
      return OpenBlas.get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
