package dev.attn4j.benchmarks;

import dev.attn4j.api.Backends;
import dev.attn4j.api.PendingBackend;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.ModelInput;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * How soon an application embedding attn4j can encode: from JVM start to a loaded model (an already converted folder)
 * and an open backend, then the first forward. A plain {@code main}, not JMH: start-up happens once per process.
 *
 * <p>By default the backend opens on another thread while the model loads ({@link Backends#openInBackground}), as
 * the CLI does; {@code --sequential} loads the model, then opens the backend, on one thread.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * dev.attn4j.benchmarks.LoadTime MODEL_DIR [BACKEND] [--sequential]}.
 */
public final class LoadTime {
  private LoadTime() {}

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(List.of(args));
    boolean sequential = rest.remove("--sequential");
    if (rest.isEmpty() || rest.size() > 2) {
      System.err.println("usage: LoadTime MODEL_DIR [BACKEND] [--sequential]");
      System.exit(2);
    }
    Path dir = Path.of(rest.get(0));
    String name = rest.size() > 1 ? rest.get(1) : "java";
    long t0 = System.nanoTime();
    long[] openNanos = new long[1];
    Supplier<Backend> open = () -> {
      long t = System.nanoTime();
      Backend b = Backends.open(name, BackendOptions.defaults());
      openNanos[0] = System.nanoTime() - t;
      return b;
    };
    if (sequential) {
      try (BertModel model = BertModel.load(dir); Backend backend = open.get()) {
        report(model, backend, "sequential", t0, openNanos[0]);
      }
    } else {
      try (PendingBackend pending = PendingBackend.start(open); BertModel model = BertModel.load(dir)) {
        double modelMs = (System.nanoTime() - t0) / 1e6;
        Backend backend = pending.get();
        report(model, backend, String.format(Locale.ROOT, "concurrent, model %.0f ms", modelMs), t0, openNanos[0]);
      }
    }
  }

  private static void report(BertModel model, Backend backend, String how, long t0, long openNanos) {
    long ready = ManagementFactory.getRuntimeMXBean().getUptime();
    double loadMs = (System.nanoTime() - t0) / 1e6;
    long t1 = System.nanoTime();
    try (TensorScope s = TensorScope.open()) {
      model.forward(backend, s, ModelInput.of(model.tokenizer().encodeBatch(List.of("Hello, world."), null, 128)), false, false);
    }
    System.out.printf(Locale.ROOT, "%s: ready to encode %d ms after JVM start (%s, backend %.0f ms, load %.0f ms); first forward %.0f ms%n",
        backend.name(), ready, how, openNanos / 1e6, loadMs, (System.nanoTime() - t1) / 1e6);
  }
}
