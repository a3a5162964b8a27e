package dev.attn4j.benchmarks;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.Activation;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Matrix-product throughput of each backend at BERT-base shapes ({@code M x N x K}: a linear layer
 * {@code x[M,K] * W[N,K]^T}, called through {@code Backend.linear} as the encoder calls it, so a backend may keep a
 * prepared copy of the weight, as onednn-bf16 does) and at 1024^3. The {@code gflop} secondary metric is GFLOP/s
 * (2 M N K per call). {@code onednn-bf16} is the onednn backend with {@code onednn.precision=bf16}.
 *
 * <p>Run: {@code ./mvnw -q package -pl benchmarks -am -DskipTests && java --add-modules jdk.incubator.vector
 * -jar benchmarks/target/benchmarks.jar GemmBenchmark}. Every backend and thread count runs in the same
 * invocation, so their ratios are comparable even on a noisy machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBenchmark {
  @Param({"128x768x768", "128x3072x768", "128x768x3072", "1024x1024x1024"})
  public String shape;

  @Param({"1", "2"})
  public int threads;

  @Param({"java", "openblas", "onednn", "onednn-bf16"})
  public String backend;

  private TensorScope scope;
  private Backend impl;
  private Tensor a;
  private Tensor w;
  private Tensor c;
  private double flops;

  /** GFLOP done, reported by JMH as a rate (GFLOP/s). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Rate {
    public double gflop;
  }

  @Setup(Level.Trial)
  public void setUp() {
    String[] d = shape.split("x");
    int m = Integer.parseInt(d[0]);
    int n = Integer.parseInt(d[1]);
    int k = Integer.parseInt(d[2]);
    scope = TensorScope.open();
    impl = BenchBackends.open(backend, threads);
    a = scope.of(random(1, m * k), m, k);
    w = scope.of(random(2, n * k), n, k);
    c = scope.allocate(m, n);
    flops = 2.0 * m * n * k;
  }

  @Benchmark
  public Tensor linear(Rate rate) {
    impl.linear(a, w, null, Activation.IDENTITY, c);
    rate.gflop += flops / 1e9;
    return c;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    impl.close();
    scope.close();
  }

  static float[] random(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (r.nextDouble() - 0.5);
    }
    return x;
  }
}
