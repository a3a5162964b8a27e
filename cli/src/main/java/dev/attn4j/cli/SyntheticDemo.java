package dev.attn4j.cli;

import dev.attn4j.api.Backends;
import dev.attn4j.api.attention.AttentionMask;
import dev.attn4j.api.encoder.Encoder;
import dev.attn4j.api.encoder.EncoderOutput;
import dev.attn4j.api.encoder.SeededEncoder;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code attn4j demo --synthetic}: a seeded random BERT-shaped encoder of any shape on every available backend:
 * timings, agreement with the first backend, and one head's attention pattern. Needs no model.
 */
final class SyntheticDemo {
  private SyntheticDemo() {}

  static int run(int threads, int layers, int hidden, int heads, int seq, int batch) {
    if (layers < 1 || hidden < 1 || heads < 1 || seq < 1 || batch < 1 || hidden % heads != 0) {
      throw new IllegalArgumentException("need positive --layers/--hidden/--heads/--seq/--batch with hidden divisible by heads; got layers="
          + layers + " hidden=" + hidden + " heads=" + heads + " seq=" + seq + " batch=" + batch);
    }
    BackendOptions options = BackendOptions.defaults().withThreads(threads);
    DemoCommand.printBackends();
    System.out.printf(Locale.ROOT, "%nEncoder: %d layers, hidden %d, %d heads, FFN %d, batch %d x %d tokens (second sequence padded to %d)%n",
        layers, hidden, heads, 4 * hidden, batch, seq, Math.max(1, seq / 2));
    int[] lengths = new int[batch];
    for (int b = 0; b < batch; b++) {
      lengths[b] = b % 2 == 1 ? Math.max(1, seq / 2) : seq;
    }
    try (TensorScope weights = TensorScope.open()) {
      Encoder encoder = SeededEncoder.build(weights, layers, hidden, heads, 4 * hidden, 42);
      Tensor input = weights.of(SeededEncoder.uniform(7, batch * seq * hidden, 1f), batch, seq, hidden);
      AttentionMask mask = AttentionMask.padding(lengths);
      float[] reference = null;
      String referenceName = null;
      List<String> rows = new ArrayList<>();
      for (BackendProvider p : Backends.available()) {
        try (Backend backend = p.create(options); TensorScope scope = TensorScope.open()) {
          encoder.forward(backend, scope, input, mask); // warm-up: JIT and caches
          long best = Long.MAX_VALUE;
          EncoderOutput out = null;
          for (int run = 0; run < 5; run++) {
            try (TensorScope runScope = TensorScope.open()) {
              long t0 = System.nanoTime();
              EncoderOutput o = encoder.forward(backend, runScope, input, mask, false, run == 0);
              best = Math.min(best, System.nanoTime() - t0);
              if (run == 0) {
                out = new EncoderOutput(scope.copyOf(o.lastHiddenState()), null, List.of(scope.copyOf(o.attentions().get(0))));
              }
            }
          }
          float[] hiddenState = out.lastHiddenState().toArray();
          String diff;
          if (reference == null) {
            reference = hiddenState;
            referenceName = p.name();
            diff = "(reference)";
            printAttention(out.attentions().get(0), lengths);
          } else {
            diff = String.format(Locale.ROOT, "max |diff| vs %s = %.2e", referenceName, maxAbsDiff(reference, hiddenState));
          }
          double flops = SeededEncoder.flops(layers, hidden, 4 * hidden, batch, seq);
          rows.add(String.format(Locale.ROOT, "  %-10s %-45s %8.2f ms  %6.1f GFLOP/s  %s", p.name(), backend.description(), best / 1e6,
              flops / best, diff));
        }
      }
      System.out.println("\nForward pass, best of 5:");
      rows.forEach(System.out::println);
    }
    return 0;
  }

  private static void printAttention(Tensor probs, int[] lengths) {
    int n = Math.min(8, probs.dim(-1));
    int batchIndex = probs.dim(0) > 1 ? 1 : 0;
    System.out.printf(Locale.ROOT, "%nLayer 0, head 0, sequence %d (length %d): attention of the first %d queries over the first %d keys%n",
        batchIndex, lengths[batchIndex], n, n);
    Tensor head = probs.select(0, batchIndex).select(0, 0);
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder("  ");
      for (int j = 0; j < n; j++) {
        sb.append(String.format(Locale.ROOT, "%6.3f", head.get(i, j)));
      }
      System.out.println(sb);
    }
  }

  static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
