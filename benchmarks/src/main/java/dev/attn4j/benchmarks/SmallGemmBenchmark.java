package dev.attn4j.benchmarks;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.Transpose;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latency of tiny GEMMs, where fixed costs dominate: validation, the FFM downcall and the library's own
 * set-up for a native backend; packing and dispatch for backend-java. The 1x1x1 case is almost pure
 * overhead. One thread, so no pool hand-off is measured.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SmallGemmBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SmallGemmBenchmark {
  @Param({"1", "16", "64"})
  public int size;

  @Param({"java", "openblas", "onednn"})
  public String backend;

  private TensorScope scope;
  private Backend impl;
  private Tensor a;
  private Tensor b;
  private Tensor c;

  @Setup(Level.Trial)
  public void setUp() {
    scope = TensorScope.open();
    impl = BenchBackends.open(backend, 1);
    a = scope.of(GemmBenchmark.random(1, size * size), size, size);
    b = scope.of(GemmBenchmark.random(2, size * size), size, size);
    c = scope.allocate(size, size);
  }

  @Benchmark
  public Tensor gemm() {
    impl.gemm(1f, a, Transpose.NONE, b, Transpose.TRANSPOSE, 0f, c);
    return c;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    impl.close();
    scope.close();
  }
}
