package dev.attn4j.cli;

import dev.attn4j.api.Backends;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.BertOutput;
import dev.attn4j.models.ModelInput;
import dev.attn4j.models.heads.Pooling;
import dev.attn4j.models.heads.SentenceEmbeddings;
import dev.attn4j.models.tokenizer.BatchEncoding;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code attn4j demo}, the main job: a real sentence-embedding model (all-MiniLM-L6-v2 by default, converted from
 * the ONNX export the CLI bundles) on every available backend: English and Chinese sentences embedded, their cosine
 * similarities, how far the backends are apart, a nearest-sentence search, and the time per sentence on each.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Embed English and Chinese sentences with a real model on every available backend: similarities, agreement, search, speed.",
        "--synthetic runs a seeded random encoder of any shape instead (no model needed)."})
final class DemoCommand implements Callable<Integer> {
  static final List<String> SENTENCES = List.of(
      "A man is playing a guitar.",
      "Someone is performing music on a string instrument.",
      "The stock market fell sharply this morning.",
      "Share prices dropped at the opening bell.",
      "A cat sleeps on the warm windowsill.",
      "一个男人在弹吉他。",
      "今天早上股市大幅下跌。");
  static final String QUERY = "Who is making music?";

  @Option(names = "--model", paramLabel = "DIR|FILE.onnx|JAR|G:A:V", description = "Model (default: all-MiniLM-L6-v2, bundled).")
  String model;

  @Option(names = "--threads", description = "Compute threads per backend (default: all processors).")
  int threads;

  @Option(names = "--runs", defaultValue = "5", description = "Timed runs per backend, interleaved (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--synthetic", description = "A seeded random encoder instead of a model (shape from the options below).")
  boolean synthetic;

  @Option(names = "--layers", defaultValue = "4", description = "--synthetic: encoder layers (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--hidden", defaultValue = "384", description = "--synthetic: hidden size (default: ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--heads", defaultValue = "12", description = "--synthetic: attention heads (default: ${DEFAULT-VALUE}).")
  int heads;

  @Option(names = "--seq", defaultValue = "128", description = "--synthetic: sequence length (default: ${DEFAULT-VALUE}).")
  int seq;

  @Option(names = "--batch", defaultValue = "2", description = "--synthetic: batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Override
  public Integer call() throws Exception {
    if (threads < 0 || runs < 1) {
      throw new IllegalArgumentException("--threads must be >= 0 and --runs >= 1");
    }
    if (synthetic) {
      return SyntheticDemo.run(threads, layers, hidden, heads, seq, batch);
    }
    printBackends();
    long t0 = System.nanoTime();
    Path dir = ModelSource.resolve(model);
    try (BertModel m = BertModel.load(dir)) {
      var c = m.config();
      System.out.printf(Locale.ROOT, "%nModel: %s (%d layers, hidden %d, %d heads), ready in %.2f s from %s%n", model == null ? ModelSource.DEFAULT_NAME : model,
          c.layers(), c.hiddenSize(), c.heads(), (System.nanoTime() - t0) / 1e9, dir);
      List<String> texts = new ArrayList<>(SENTENCES);
      texts.add(QUERY);
      BatchEncoding enc = m.tokenizer().encodeBatch(texts, null, c.maxSequenceLength());
      ModelInput input = ModelInput.of(enc);
      BackendOptions options = BackendOptions.defaults().withThreads(threads);
      Map<String, Backend> backends = new LinkedHashMap<>();
      Map<String, float[][]> embeddings = new LinkedHashMap<>();
      Map<String, long[]> times = new LinkedHashMap<>();
      try {
        for (BackendProvider p : Backends.available()) {
          Backend b = p.create(options);
          backends.put(p.name(), b);
          embeddings.put(p.name(), embed(m, b, input, enc)); // also the warm-up
          times.put(p.name(), new long[runs]);
        }
        // Interleaved runs, so that drift of this shared machine hits every backend alike.
        for (int r = 0; r < runs; r++) {
          for (Map.Entry<String, Backend> e : backends.entrySet()) {
            long s = System.nanoTime();
            embed(m, e.getValue(), input, enc);
            times.get(e.getKey())[r] = System.nanoTime() - s;
          }
        }
      } finally {
        for (Backend b : backends.values()) {
          b.close();
        }
      }
      String first = embeddings.keySet().iterator().next();
      float[][] ref = embeddings.get(first);
      System.out.println("\nSentences (mean-pooled, L2-normalized embeddings):");
      for (int i = 0; i < SENTENCES.size(); i++) {
        System.out.printf("  [%d] %s%n", i, SENTENCES.get(i));
      }
      System.out.println("\nCosine similarity (" + first + "):");
      StringBuilder head = new StringBuilder("     ");
      for (int j = 0; j < SENTENCES.size(); j++) {
        head.append(String.format("   [%d]", j));
      }
      System.out.println(head);
      for (int i = 0; i < SENTENCES.size(); i++) {
        StringBuilder row = new StringBuilder(String.format("  [%d] ", i));
        for (int j = 0; j < SENTENCES.size(); j++) {
          row.append(String.format(Locale.ROOT, " %5.2f", dot(ref[i], ref[j])));
        }
        System.out.println(row);
      }
      if (model == null) {
        System.out.println("  (all-MiniLM-L6-v2 was trained on English: the Chinese sentences find each other through shared characters, not their "
            + "English translations.)");
      }
      System.out.println("\nLargest difference between backends (max |a - b| over every embedding value):");
      if (embeddings.size() == 1) {
        System.out.println("  only one backend is available");
      }
      for (Map.Entry<String, float[][]> e : embeddings.entrySet()) {
        if (!e.getKey().equals(first)) {
          double worst = 0;
          for (int i = 0; i < ref.length; i++) {
            worst = Math.max(worst, SyntheticDemo.maxAbsDiff(ref[i], e.getValue()[i]));
          }
          System.out.printf(Locale.ROOT, "  %-10s vs %-10s %.2e%n", e.getKey(), first, worst);
        }
      }
      float[] q = ref[SENTENCES.size()];
      int best = 0;
      for (int i = 1; i < SENTENCES.size(); i++) {
        best = dot(q, ref[i]) > dot(q, ref[best]) ? i : best;
      }
      System.out.printf(Locale.ROOT, "%nNearest sentence to \"%s\": [%d] %s (cosine %.2f)%n", QUERY, best, SENTENCES.get(best), dot(q, ref[best]));
      System.out.printf(Locale.ROOT, "%nTime per sentence (batch of %d, %d tokens padded; median of %d interleaved runs, %s threads):%n", texts.size(),
          input.sequenceLength(), runs, threads == 0 ? "all" : threads);
      for (Map.Entry<String, long[]> e : times.entrySet()) {
        long[] t = e.getValue().clone();
        Arrays.sort(t);
        System.out.printf(Locale.ROOT, "  %-10s %7.2f ms%n", e.getKey(), t[t.length / 2] / 1e6 / texts.size());
      }
    }
    return 0;
  }

  private static float[][] embed(BertModel m, Backend b, ModelInput input, BatchEncoding enc) {
    try (TensorScope scope = TensorScope.open()) {
      BertOutput out = m.forward(b, scope, input, false, false);
      return SentenceEmbeddings.pool(out.lastHiddenState(), enc.attentionMask(), Pooling.MEAN, true);
    }
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  static void printBackends() {
    System.out.println("Backends found:");
    for (BackendProvider p : Backends.providers()) {
      System.out.println("  " + p.name() + ": " + (p.availability().available() ? "available, " : "UNAVAILABLE, ") + p.availability().detail());
    }
  }
}
