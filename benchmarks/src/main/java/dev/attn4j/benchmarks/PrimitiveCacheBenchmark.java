package dev.attn4j.benchmarks;

import dev.attn4j.api.Backends;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
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
 * What the oneDNN backend's primitive cache saves: two tiny GEMMs of different shapes called alternately, with a
 * cache that holds both ({@code hit}: every call finds its primitive) or only one ({@code miss}: every call creates
 * a primitive descriptor and a primitive). The compute is a few nanoseconds, so the {@code hit} time is the whole
 * per-call cost (validation, lookup, memory objects, execute) and {@code miss - hit} is the cost of creation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PrimitiveCacheBenchmark {
  @Param({"hit", "miss"})
  public String cache;

  private TensorScope scope;
  private Backend impl;
  private Tensor a1;
  private Tensor a2;
  private Tensor b;
  private Tensor c1;
  private Tensor c2;

  @Setup(Level.Trial)
  public void setUp() {
    scope = TensorScope.open();
    impl = Backends.open("onednn", BackendOptions.defaults().withThreads(1).with("onednn.cache.capacity", cache.equals("hit") ? "16" : "1"));
    a1 = scope.of(GemmBenchmark.random(1, 4), 1, 4);
    a2 = scope.of(GemmBenchmark.random(2, 8), 2, 4);
    b = scope.of(GemmBenchmark.random(3, 16), 4, 4);
    c1 = scope.allocate(1, 4);
    c2 = scope.allocate(2, 4);
  }

  @Benchmark
  public Tensor twoShapes() {
    impl.gemm(1f, a1, Transpose.NONE, b, Transpose.NONE, 0f, c1);
    impl.gemm(1f, a2, Transpose.NONE, b, Transpose.NONE, 0f, c2);
    return c2;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    impl.close();
    scope.close();
  }
}
