package dev.attn4j.benchmarks;

import dev.attn4j.api.encoder.SeededEncoder;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.PreparedWeight;
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
 * The kernels that dominate an encoder layer, one SPI call each, at the shapes a BERT layer gives them for
 * {@code batch x seq} tokens: the fused QKV projection, attention (scores, scale and padding mask, softmax,
 * context) over all heads, the FFN up-projection with bias and GELU, the FFN down-projection, and the residual add
 * with layer norm; weights prepared once per backend ({@code Backend.prepareWeight}) as a model's layers do. Average time per call (FLOPs per call: QKV {@code 6 r h^2}, attention {@code 4 b s^2 h}, each FFN
 * product {@code 2 r h f}, for {@code r = b s} tokens).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar LayerKernelBenchmark}
 * (add {@code -p hidden=384 -p heads=6 -p ffn=1536} for MiniLM/bge-small shapes). All backends run in one
 * invocation, so their ratios are comparable.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class LayerKernelBenchmark {
  @Param({"java", "openblas", "onednn"})
  public String backend;

  @Param({"2"})
  public int threads;

  @Param({"1x128"})
  public String tokens;

  @Param({"768"})
  public int hidden;

  @Param({"12"})
  public int heads;

  @Param({"3072"})
  public int ffn;

  private TensorScope scope;
  private Backend impl;
  private Tensor x;
  private Tensor residual;
  private Tensor qkvWeight;
  private PreparedWeight qkvPrepared;
  private PreparedWeight upPrepared;
  private PreparedWeight downPrepared;
  private Tensor qkvBias;
  private Tensor qkvOut;
  private Tensor upWeight;
  private Tensor upBias;
  private Tensor upOut;
  private Tensor downWeight;
  private Tensor downBias;
  private Tensor downOut;
  private Tensor q;
  private Tensor k;
  private Tensor v;
  private Tensor mask;
  private Tensor context;
  private Tensor gamma;
  private Tensor beta;
  private float scale;

  @Setup(Level.Trial)
  public void setUp() {
    String[] d = tokens.split("x");
    int batch = Integer.parseInt(d[0]);
    int seq = Integer.parseInt(d[1]);
    int rows = batch * seq;
    int hs = hidden / heads;
    scope = TensorScope.open();
    impl = BenchBackends.open(backend, threads);
    x = scope.of(SeededEncoder.uniform(1, rows * hidden, 1f), batch, seq, hidden);
    residual = scope.of(SeededEncoder.uniform(2, rows * hidden, 1f), batch, seq, hidden);
    qkvWeight = weight(3, 3 * hidden, hidden);
    qkvBias = scope.of(SeededEncoder.uniform(4, 3 * hidden, 0.1f), 3 * hidden);
    qkvOut = scope.allocate(batch, seq, 3 * hidden);
    upWeight = weight(5, ffn, hidden);
    upBias = scope.of(SeededEncoder.uniform(6, ffn, 0.1f), ffn);
    upOut = scope.allocate(batch, seq, ffn);
    downWeight = weight(7, hidden, ffn);
    downBias = scope.of(SeededEncoder.uniform(8, hidden, 0.1f), hidden);
    downOut = scope.of(SeededEncoder.uniform(9, rows * hidden, 1f), batch, seq, hidden);
    // Weights prepared once, as a model's Linear layers do on their first forward.
    qkvPrepared = impl.prepareWeight(qkvWeight);
    upPrepared = impl.prepareWeight(upWeight);
    downPrepared = impl.prepareWeight(downWeight);
    // q, k, v as the encoder sees them: head-split strided views of the fused projection's output.
    impl.linear(x, qkvWeight, qkvPrepared, qkvBias, Activation.IDENTITY, qkvOut);
    Tensor split = qkvOut.reshape(batch, seq, 3, heads, hs);
    q = split.select(2, 0).permute(0, 2, 1, 3);
    k = split.select(2, 1).permute(0, 2, 1, 3);
    v = split.select(2, 2).permute(0, 2, 1, 3);
    // Padding: the last quarter of every sequence but the first is masked, broadcast over heads and queries.
    float[] m = new float[batch * seq];
    for (int b = 1; b < batch; b++) {
      for (int s = seq - seq / 4; s < seq; s++) {
        m[b * seq + s] = Float.NEGATIVE_INFINITY;
      }
    }
    mask = scope.of(m, batch, 1, 1, seq);
    context = scope.allocate(batch, seq, heads, hs).permute(0, 2, 1, 3);
    gamma = scope.of(SeededEncoder.uniform(10, hidden, 1f), hidden);
    beta = scope.of(SeededEncoder.uniform(11, hidden, 1f), hidden);
    scale = (float) (1 / Math.sqrt(hs));
  }

  private Tensor weight(long seed, int out, int in) {
    return scope.of(SeededEncoder.uniform(seed, out * in, (float) (1 / Math.sqrt(in))), out, in);
  }

  @Benchmark
  public Tensor qkvProjection() {
    impl.linear(x, qkvWeight, qkvPrepared, qkvBias, Activation.IDENTITY, qkvOut);
    return qkvOut;
  }

  @Benchmark
  public Tensor attention() {
    impl.scaledDotProductAttention(q, k, v, mask, scale, context, null);
    return context;
  }

  @Benchmark
  public Tensor ffnUpGelu() {
    impl.linear(x, upWeight, upPrepared, upBias, Activation.GELU, upOut);
    return upOut;
  }

  @Benchmark
  public Tensor ffnDown() {
    impl.linear(upOut, downWeight, downPrepared, downBias, Activation.IDENTITY, downOut);
    return downOut;
  }

  @Benchmark
  public Tensor addLayerNorm() {
    // In place, call after call: layer norm keeps the values bounded, so no refresh (and no copy timed) is needed.
    impl.addLayerNorm(downOut, residual, gamma, beta, 1e-12f);
    return downOut;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    impl.close();
    scope.close();
  }
}
