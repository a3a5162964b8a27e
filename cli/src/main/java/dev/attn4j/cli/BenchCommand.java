package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.attn4j.api.Backends;
import dev.attn4j.api.attention.AttentionMask;
import dev.attn4j.api.encoder.Encoder;
import dev.attn4j.api.encoder.SeededEncoder;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.ModelInput;
import dev.attn4j.models.onnx.OnnxImport;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IntSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code attn4j bench}: forward passes per backend and shape, interleaved run by run so that drift of a shared
 * machine hits every backend alike; median and p90 latency, sequences/s, GFLOP/s and % of the measured FMA peak;
 * optionally ONNX Runtime on the same ONNX model in the same process, with the ratio attn4j / ORT.
 *
 * <p>FLOPs per forward: {@code 2 * batch * seq * layers * (4 h^2 + 2 h f + 2 seq h)} (the four projections, the FFN's
 * two products, and the attention scores and context); softmax, layer norms and embeddings are not counted.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Time encoder forward passes per backend and shape (interleaved runs), optionally against ONNX Runtime on the same ONNX model.")
final class BenchCommand implements Callable<Integer> {
  /** Shapes of the presets: layers, hidden, heads, FFN. */

  @Option(names = "--model", paramLabel = "DIR|FILE.onnx|JAR|G:A:V", description = "A real model (default when neither is given: all-MiniLM-L6-v2).")
  String model;

  @Option(names = "--preset", description = "Seeded random encoder of a named shape: bert-base, bert-large, bge-small, minilm (no download). With --vs, "
      + "written as an ONNX export (opset 11, PyTorch's pattern) that attn4j imports and ONNX Runtime runs.")
  String preset;

  @Option(names = "--backend", description = "Backends to time; repeatable (default: every available one).")
  List<String> backends = new ArrayList<>();

  @Option(names = "--batch", split = ",", defaultValue = "1", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
  List<Integer> batches;

  @Option(names = "--seq", split = ",", defaultValue = "128", description = "Sequence lengths (default: ${DEFAULT-VALUE}).")
  List<Integer> seqs;

  @Option(names = "--threads", defaultValue = "0", description = "Threads per backend and for ONNX Runtime (default: all processors).")
  int threads;

  // 30: the encoder's Java code runs ~12-30 times per forward, so HotSpot's C2 reaches most of it only after 20-40
  // forwards; with 3-10 warm-ups the timed runs shared a core with the compiler and ran partly in C1 code (measured:
  // onednn bge-small 1 x 128 median 43-51 ms after 10 warm-ups, 37-38 ms after 40).
  @Option(names = "--warmup", defaultValue = "30", description = "Untimed runs per engine and shape, at most (default: ${DEFAULT-VALUE}); see --warmup-seconds.")
  int warmup;

  @Option(names = "--warmup-seconds", defaultValue = "15", description = "Stop an engine's warm-up for a shape after this long, even "
      + "before --warmup runs (at least one run; default: ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--runs", defaultValue = "10", description = "Timed runs per backend and shape (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--settle-ms", defaultValue = "200", description = "Idle pause before each timed run, so that threads an engine "
      + "left spinning do not slow the next one down (default: ${DEFAULT-VALUE}).")
  int settleMs;

  @Mixin
  BackendProperties properties;

  @Option(names = "--vs", description = "Also run this engine on the same ONNX model: onnxruntime.")
  String vs;

  @Option(names = "--peak", description = "This machine's FMA peak in GFLOP/s for the threads used (default: measured at start).")
  Double peak;

  @Option(names = "--json", description = "Write JSON instead of the table.")
  boolean json;

  @Option(names = "--profile", description = "After the timed runs, as many more per backend and shape (same idle pause) with each SPI call timed: where the time goes.")
  boolean profile;

  /** One engine under test for one shape. */
  private interface Runner extends AutoCloseable {
    void run() throws Exception;

    @Override
    default void close() throws Exception {}
  }

  /** @param maxAbsDiff largest |attn4j - ONNX Runtime| over the last hidden state of the timed input, NaN when not compared */
  private record Row(String engine, int batch, int seq, double[] ms, double gflop, int warmups, double maxAbsDiff) {}

  @Override
  public Integer call() throws Exception {
    int t = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    if (threads < 0 || warmup < 0 || !(warmupSeconds >= 0) || runs < 1 || batches.stream().anyMatch(b -> b < 1) || seqs.stream().anyMatch(s -> s < 1)) {
      throw new IllegalArgumentException("need --threads >= 0, --warmup >= 0, --warmup-seconds >= 0, --runs >= 1 and positive --batch/--seq");
    }
    if (preset != null && model != null) {
      throw new IllegalArgumentException("give --model or --preset, not both");
    }
    if (preset != null && !SeededEncoder.PRESETS.containsKey(preset)) {
      throw new IllegalArgumentException("unknown --preset '" + preset + "'; known: " + SeededEncoder.PRESETS.keySet());
    }
    if (vs != null && !vs.equals("onnxruntime")) {
      throw new IllegalArgumentException("--vs supports 'onnxruntime' only, got '" + vs + "'");
    }
    double peakGflops = peak != null ? peak : PeakFma.measure(t);
    List<BackendProvider> providers = choose();
    BackendOptions options = properties.applyTo(BackendOptions.defaults().withThreads(t));
    List<Row> rows = new ArrayList<>();
    Path extracted = null; // a temporary folder when ONNX Runtime needs the export out of a jar
    String what = preset != null ? "preset " + preset + (vs != null ? " as an ONNX export, embeddings included" : ", encoder layers only")
        : "model " + (model == null ? ModelSource.DEFAULT_NAME : model);
    int[] shape;
    try (TensorScope weights = TensorScope.open()) {
      BertModel bert = null;
      Encoder encoder = null;
      Path onnx = null; // what ONNX Runtime runs, when it runs
      if (preset != null && vs != null) {
        // ONNX Runtime needs a file: the preset's weights are written as an ONNX export, which both engines then load.
        extracted = Files.createTempDirectory("attn4j-bench");
        onnx = PresetOnnx.write(SeededEncoder.PRESETS.get(preset), PresetOnnx.VOCAB, 42, extracted);
        bert = BertModel.load(OnnxImport.convert(onnx, null, null, extracted.resolve("attn4j")));
      } else if (preset != null) {
        encoder = SeededEncoder.PRESETS.get(preset).build(weights, 42);
      } else {
        bert = BertModel.load(ModelSource.resolve(model));
      }
      if (bert != null) {
        var c = bert.config();
        shape = new int[] {c.layers(), c.hiddenSize(), c.heads(), c.intermediateSize()};
      } else {
        SeededEncoder.Preset p = SeededEncoder.PRESETS.get(preset);
        shape = new int[] {p.layers(), p.hidden(), p.heads(), p.ffn()};
      }
      if (vs != null && onnx == null) {
        if (model != null && model.endsWith(".onnx")) {
          onnx = Path.of(model);
        } else {
          Path jar = ModelSource.modelJar(model);
          if (jar == null) {
            throw new IllegalArgumentException("--vs onnxruntime needs an ONNX model: an .onnx file, a model jar or its coordinate, or no --model (the default)");
          }
          extracted = Files.createTempDirectory("attn4j-bench");
          onnx = OnnxImport.extractFromJar(jar, extracted);
        }
      }
      OrtRunner ort = onnx == null ? null : new OrtRunner(onnx, t);
      List<Backend> opened = new ArrayList<>();
      try {
        for (BackendProvider p : providers) {
          opened.add(p.create(options));
        }
        System.err.printf(Locale.ROOT, "bench: %s (%d layers, hidden %d, FFN %d), %d threads, peak %.1f GFLOP/s%s%n", what, shape[0], shape[1], shape[3], t,
            peakGflops, ort != null ? ", ONNX Runtime " + OrtRunner.version() : "");
        try (ProgressBar bar = ProgressBars.open("bench", (long) batches.size() * seqs.size() * runs, " runs")) {
        for (int b : batches) {
          for (int s : seqs) {
            if (bert != null && s > bert.config().maxSequenceLength()) {
              throw new IllegalArgumentException("--seq " + s + " exceeds the model's longest sequence " + bert.config().maxSequenceLength());
            }
            double gflop = flops(shape, b, s) / 1e9;
            Map<String, Runner> runners = new LinkedHashMap<>();
            for (Backend backend : opened) {
              runners.put(backend.name(), runner(backend, bert, encoder, weights, b, s, shape[1]));
            }
            OrtRunner.Inputs in = ort == null ? null : OrtRunner.inputs(ids(b, s, bert.config().vocabSize()));
            if (ort != null) {
              OrtRunner o = ort;
              runners.put("onnxruntime", () -> o.forward(in));
            }
            Map<String, double[]> times = new LinkedHashMap<>();
            Map<String, Integer> warmed = new LinkedHashMap<>();
            for (Map.Entry<String, Runner> e : runners.entrySet()) {
              warmed.put(e.getKey(), warmUp(e.getValue()));
              times.put(e.getKey(), new double[runs]);
            }
            bar.setExtraMessage("batch " + b + " x " + s);
            List<Map.Entry<String, Runner>> order = new ArrayList<>(runners.entrySet());
            for (int r = 0; r < runs; r++) {
              // Each round starts with the next engine, so no engine always follows the same one.
              for (int i = 0; i < order.size(); i++) {
                Map.Entry<String, Runner> e = order.get((r + i) % order.size());
                settle();
                long t0 = System.nanoTime();
                e.getValue().run();
                times.get(e.getKey())[r] = (System.nanoTime() - t0) / 1e6;
              }
              bar.step();
            }
            // Speed means nothing if the outputs differ: each backend's last hidden state against ONNX Runtime's on the
            // same input, after the timed runs.
            Map<String, Double> diffs = new LinkedHashMap<>();
            if (ort != null) {
              float[][][] expected = ort.lastHiddenState(in);
              for (Backend backend : opened) {
                diffs.put(backend.name(), maxAbsDiff(backend, bert, b, s, expected));
              }
            }
            for (Map.Entry<String, Runner> e : runners.entrySet()) {
              e.getValue().close();
              rows.add(new Row(e.getKey(), b, s, times.get(e.getKey()), gflop, warmed.get(e.getKey()), diffs.getOrDefault(e.getKey(), Double.NaN)));
            }
            if (profile) {
              for (Backend backend : opened) {
                profile(backend, bert, encoder, weights, b, s, shape[1]);
              }
            }
          }
        }
        }
      } finally {
        for (Backend b : opened) {
          b.close();
        }
        if (ort != null) {
          ort.close();
        }
        if (bert != null) {
          bert.close();
        }
      }
    } finally {
      if (extracted != null) {
        try (var files = Files.walk(extracted)) {
          for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(f);
          }
        }
      }
    }
    long rssKb = peakRssKb();
    if (json) {
      writeJson(rows, t, peakGflops, rssKb, what, shape);
    } else {
      printTable(rows, t, peakGflops, rssKb);
    }
    return 0;
  }

  /**
   * ONNX Runtime, OpenMP and OpenBLAS threads busy-wait for a while after a call, and the JVM's compiler and GC threads
   * catch up; on a machine with as many cores as threads, the engine timed next would share its cores with them
   * (measured on 2 cores: onednn 70 ms median after a 20 ms pause, 51 ms after 200 ms; ORT 47 and 40 ms). Every
   * engine gets the same idle start.
   */
  private void settle() throws InterruptedException {
    if (settleMs > 0) {
      Thread.sleep(settleMs);
    }
  }

  /** Up to {@code --warmup} untimed runs, fewer once {@code --warmup-seconds} have passed; returns how many ran. */
  private int warmUp(Runner runner) throws Exception {
    long deadline = System.nanoTime() + (long) (warmupSeconds * 1e9);
    int done = 0;
    while (done < warmup && (done == 0 || System.nanoTime() < deadline)) {
      runner.run();
      done++;
    }
    return done;
  }

  private List<BackendProvider> choose() {
    if (backends.isEmpty()) {
      return Backends.available();
    }
    List<BackendProvider> out = new ArrayList<>();
    for (String n : backends) {
      BackendProvider p = Backends.registry().find(n)
          .orElseThrow(() -> new IllegalArgumentException("unknown backend '" + n + "'; found " + Backends.providers().stream().map(BackendProvider::name).toList()));
      if (!p.availability().available()) {
        throw new IllegalArgumentException("backend '" + n + "' is unavailable: " + p.availability().detail());
      }
      out.add(p);
    }
    return out;
  }

  /**
   * Times each SPI call of {@code runs} more forwards of {@code backend} (after warming up the wrapped call sites) and
   * prints, per kernel, the median over those forwards, then the forward's median time outside kernel calls.
   */
  private void profile(Backend backend, BertModel bert, Encoder encoder, TensorScope weights, int batch, int seq, int hidden)
      throws Exception {
    ProfilingBackend pb = new ProfilingBackend(backend);
    Runner wrapped = runner(pb, bert, encoder, weights, batch, seq, hidden);
    // The new receiver type at every call site recompiles them: warm that up too.
    for (int w = warmUp(wrapped); w < 3; w++) {
      wrapped.run();
    }
    // Medians over as many forwards as were timed: one forward on this kind of machine can be twice as slow as the next.
    double[] totals = new double[runs];
    // Time outside kernel calls, split by where it falls: before the first call (input, embeddings), between calls
    // (workspaces, masks, glue), after the last (pooler, closing the run's scope).
    double[] before = new double[runs];
    double[] after = new double[runs];
    Map<String, double[]> perKernel = new TreeMap<>();
    Map<String, Long> calls = new TreeMap<>();
    for (int r = 0; r < runs; r++) {
      // The same idle pause as before each timed run, so the profile explains the timed medians, not back-to-back runs.
      settle();
      pb.reset();
      long t0 = System.nanoTime();
      wrapped.run();
      long t1 = System.nanoTime();
      totals[r] = (t1 - t0) / 1e6;
      before[r] = (pb.firstStart() - t0) / 1e6;
      after[r] = (t1 - pb.lastEnd()) / 1e6;
      for (Map.Entry<String, long[]> k : pb.totals().entrySet()) {
        perKernel.computeIfAbsent(k.getKey(), x -> new double[runs])[r] = k.getValue()[0] / 1e6;
        calls.put(k.getKey(), k.getValue()[1]);
      }
    }
    double total = median(totals);
    Map<String, Double> medians = new TreeMap<>();
    perKernel.forEach((k, v) -> medians.put(k, median(v)));
    double inKernels = medians.values().stream().mapToDouble(Double::doubleValue).sum();
    System.out.printf(Locale.ROOT, "profile %s, batch %d x %d: %.2f ms (median of %d forwards; each kernel's median)%n", backend.name(), batch, seq,
        total, runs);
    medians.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue(), x.getValue()))
        .forEach(k -> System.out.printf(Locale.ROOT, "  %-40s %8.2f ms %5.1f%% %5d calls%n", k.getKey(), k.getValue(), 100 * k.getValue() / total,
            calls.get(k.getKey())));
    System.out.printf(Locale.ROOT, "  %-40s %8.2f ms %5.1f%%%n", "outside kernel calls", total - inKernels, 100 * (total - inKernels) / total);
    System.out.printf(Locale.ROOT, "    %-38s %8.2f ms%n", "of which before the first call", median(before));
    System.out.printf(Locale.ROOT, "    %-38s %8.2f ms%n", "of which after the last call", median(after));
  }

  /** The model input for {@link #ids}: every token real, segment 0 (what ONNX Runtime gets too). */
  private static ModelInput modelInput(BertModel bert, int batch, int seq) {
    return new ModelInput(ints(ids(batch, seq, bert.config().vocabSize())), null, null);
  }

  /** ONNX Runtime's {@code long} token ids (or masks, types) as the {@code int}s {@link ModelInput} takes. */
  static int[][] ints(long[][] ids) {
    int[][] out = new int[ids.length][];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Arrays.stream(ids[i]).mapToInt(x -> (int) x).toArray();
    }
    return out;
  }

  private static double maxAbsDiff(Backend backend, BertModel bert, int batch, int seq, float[][][] expected) {
    try (TensorScope s = TensorScope.open()) {
      float[] got = bert.forward(backend, s, modelInput(bert, batch, seq), false, false).lastHiddenState().toArray();
      int hidden = expected[0][0].length;
      if (got.length != batch * seq * hidden) {
        throw new IllegalStateException("ONNX Runtime's first output is [" + expected.length + ", " + expected[0].length + ", " + hidden
            + "], not the last hidden state [" + batch + ", " + seq + ", " + got.length / (batch * seq) + "]");
      }
      double max = 0;
      for (int i = 0; i < got.length; i++) {
        double d = Math.abs(got[i] - expected[i / (seq * hidden)][i / hidden % seq][i % hidden]);
        max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(max, d);
      }
      return max;
    }
  }

  private static Runner runner(Backend backend, BertModel bert, Encoder encoder, TensorScope weights, int batch, int seq, int hidden) {
    if (bert != null) {
      ModelInput input = modelInput(bert, batch, seq);
      return () -> {
        try (TensorScope s = TensorScope.open()) {
          bert.forward(backend, s, input, false, false);
        }
      };
    }
    Tensor x = weights.of(SeededEncoder.uniform(7, batch * seq * hidden, 1f), batch, seq, hidden);
    return () -> {
      try (TensorScope s = TensorScope.open()) {
        encoder.forward(backend, s, x, AttentionMask.none());
      }
    };
  }

  /** Seeded token ids: [CLS], random ids in [1000, vocab), [SEP]. */
  private static long[][] ids(int batch, int seq, int vocab) {
    SplittableRandom r = new SplittableRandom(11);
    long[][] ids = new long[batch][seq];
    for (long[] row : ids) {
      for (int i = 0; i < seq; i++) {
        row[i] = i == 0 ? 101 : i == seq - 1 ? 102 : r.nextInt(Math.min(1000, vocab / 2), vocab);
      }
    }
    return ids;
  }

  static double flops(int[] shape, int batch, int seq) {
    return SeededEncoder.flops(shape[0], shape[1], shape[3], batch, seq);
  }

  private static long peakRssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (Exception e) {
      // not Linux: no peak RSS
    }
    return -1;
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static double p90(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(0.9 * s.length) - 1)];
  }

  private static double min(double[] a) {
    return Arrays.stream(a).min().orElse(Double.NaN);
  }

  /** ONNX Runtime's row for {@code r}'s shape, or null when there is none or {@code r} is that row. */
  private static Row ortRow(List<Row> rows, Row r) {
    if (r.engine().equals("onnxruntime")) {
      return null;
    }
    return rows.stream().filter(x -> x.engine().equals("onnxruntime") && x.batch() == r.batch() && x.seq() == r.seq()).findFirst().orElse(null);
  }

  private void printTable(List<Row> rows, int t, double peakGflops, long rssKb) {
    System.out.printf(Locale.ROOT, "%-12s %5s %5s %10s %10s %10s %9s %9s %7s %9s %9s %10s%n", "engine", "batch", "seq", "median ms", "p90 ms", "best ms",
        "seq/s", "GFLOP/s", "% peak", "vs ORT", "best vs", "max|d| ORT");
    for (Row r : rows) {
      double med = median(r.ms());
      Row ort = ortRow(rows, r);
      System.out.printf(Locale.ROOT, "%-12s %5d %5d %10.2f %10.2f %10.2f %9.1f %9.1f %6.1f%% %9s %9s %10s%n", r.engine(), r.batch(), r.seq(), med, p90(r.ms()),
          min(r.ms()), r.batch() / (med / 1e3), r.gflop() / (med / 1e3), 100 * r.gflop() / (med / 1e3) / peakGflops,
          ort == null ? "" : String.format(Locale.ROOT, "%.2fx", med / median(ort.ms())),
          ort == null ? "" : String.format(Locale.ROOT, "%.2fx", min(r.ms()) / min(ort.ms())),
          Double.isNaN(r.maxAbsDiff()) ? "" : String.format(Locale.ROOT, "%.1e", r.maxAbsDiff()));
    }
    IntSummaryStatistics w = rows.stream().mapToInt(Row::warmups).summaryStatistics();
    System.out.printf(Locale.ROOT, "%d threads; peak %.1f GFLOP/s (%s); peak RSS %s; %d runs per cell, interleaved with %d ms idle before each, after %s warm-up runs%n",
        t, peakGflops, peak != null ? "given" : "measured", rssKb < 0 ? "n/a" : rssKb / 1024 + " MB", runs, settleMs,
        w.getMin() == w.getMax() ? String.valueOf(w.getMax()) : w.getMin() + "-" + w.getMax());
    if (rows.stream().anyMatch(r -> ortRow(rows, r) != null)) {
      System.out.println("vs ORT: median / ORT's median; best vs: fastest run / ORT's fastest run (less moved by a noisy machine); "
          + "max|d| ORT: largest difference from ONNX Runtime's last hidden state on the same input");
    }
  }

  private void writeJson(List<Row> rows, int t, double peakGflops, long rssKb, String what, int[] shape) throws Exception {
    try (JsonGenerator g = JsonOut.open(null)) {
      g.writeStartObject();
      g.writeStringField("model", what);
      g.writeNumberField("layers", shape[0]);
      g.writeNumberField("hidden", shape[1]);
      g.writeNumberField("heads", shape[2]);
      g.writeNumberField("ffn", shape[3]);
      g.writeNumberField("threads", t);
      g.writeNumberField("peak_gflops", peakGflops);
      g.writeNumberField("peak_rss_kb", rssKb);
      g.writeArrayFieldStart("results");
      for (Row r : rows) {
        double med = median(r.ms());
        Row ort = ortRow(rows, r);
        g.writeStartObject();
        g.writeStringField("engine", r.engine());
        g.writeNumberField("batch", r.batch());
        g.writeNumberField("seq", r.seq());
        g.writeNumberField("median_ms", med);
        g.writeNumberField("p90_ms", p90(r.ms()));
        g.writeNumberField("min_ms", min(r.ms()));
        g.writeNumberField("warmup_runs", r.warmups());
        g.writeNumberField("sequences_per_s", r.batch() / (med / 1e3));
        g.writeNumberField("gflops", r.gflop() / (med / 1e3));
        g.writeNumberField("percent_of_peak", 100 * r.gflop() / (med / 1e3) / peakGflops);
        if (ort != null) {
          g.writeNumberField("ratio_vs_onnxruntime", med / median(ort.ms()));
          g.writeNumberField("best_ratio_vs_onnxruntime", min(r.ms()) / min(ort.ms()));
        }
        if (!Double.isNaN(r.maxAbsDiff())) {
          g.writeNumberField("max_abs_diff_vs_onnxruntime", r.maxAbsDiff());
        }
        g.writeArrayFieldStart("ms");
        for (double m : r.ms()) {
          g.writeNumber(m);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    System.out.println();
  }
}
