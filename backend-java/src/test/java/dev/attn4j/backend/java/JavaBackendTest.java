package dev.attn4j.backend.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.BackendUnavailableException;
import dev.attn4j.api.Backends;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import dev.attn4j.spi.Transpose;
import dev.attn4j.conformance.Data;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class JavaBackendTest {
  @Test
  void discoveredThroughServiceLoader() {
    assertTrue(Backends.providers().stream().map(BackendProvider::name).toList().contains("java"));
    try (Backend b = Backends.open("java", BackendOptions.defaults().withThreads(1))) {
      assertEquals(1, b.threads());
      assertTrue(b.description().contains("Vector API"), b.description());
    }
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.open("no-such-backend"));
    assertTrue(e.getMessage().contains("java (priority 0): available"), e.getMessage());
  }

  @Test
  void closedBackendRefusesWork() {
    Backend b = new JavaBackend(BackendOptions.defaults().withThreads(2));
    b.close();
    try (TensorScope s = TensorScope.open()) {
      Tensor t = s.allocate(2, 2);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.gemm(1f, t, Transpose.NONE, t, Transpose.NONE, 0f, s.allocate(2, 2)));
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
  }

  /** Many Java threads share one two-thread backend; each result must equal the single-threaded one bit for bit. */
  @Test
  void concurrentCallersGetTheSameBits() throws Exception {
    int m = 96;
    int n = 200;
    int k = 300;
    try (TensorScope s = TensorScope.open(); Backend single = new JavaBackend(BackendOptions.defaults().withThreads(1));
        Backend shared = new JavaBackend(BackendOptions.defaults().withThreads(2))) {
      Tensor a = s.of(Data.uniform(1, m * k), m, k);
      Tensor w = s.of(Data.uniform(2, n * k), n, k);
      Tensor ref = s.allocate(m, n);
      single.gemm(1f, a, Transpose.NONE, w, Transpose.TRANSPOSE, 0f, ref);
      float[] expected = ref.toArray();
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try {
        List<Future<float[]>> results = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
          results.add(pool.submit(() -> {
            try (TensorScope mine = TensorScope.open()) {
              Tensor c = mine.allocate(m, n);
              shared.gemm(1f, a, Transpose.NONE, w, Transpose.TRANSPOSE, 0f, c);
              shared.softmax(c, 0.01f, null);
              return c.toArray();
            }
          }));
        }
        single.softmax(ref, 0.01f, null);
        float[] soft = ref.toArray();
        for (Future<float[]> f : results) {
          assertArrayEquals(soft, f.get());
        }
      } finally {
        pool.shutdown();
      }
      assertEquals(expected.length, m * n);
    }
  }

  /** Without jdk.incubator.vector the backend falls back to scalar kernels with one warning, instead of failing. */
  @Test
  void scalarFallbackWithoutTheVectorModule() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), FallbackProbe.class.getName())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.contains("--add-modules jdk.incubator.vector"), out);
    assertTrue(out.contains("vectorized=false result=19.0"), out);
  }

  /** Run in a child JVM started without --add-modules. */
  public static final class FallbackProbe {
    public static void main(String[] args) {
      try (TensorScope s = TensorScope.open(); JavaBackend b = new JavaBackend(BackendOptions.defaults().withThreads(1))) {
        Tensor c = s.allocate(1, 1);
        b.gemm(1f, s.of(new float[] {1, 2}, 1, 2), Transpose.NONE, s.of(new float[] {3, 8}, 2, 1), Transpose.NONE, 0f, c);
        System.out.println("vectorized=" + b.vectorized() + " result=" + c.get(0, 0));
      }
    }
  }
}
