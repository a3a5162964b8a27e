package dev.attn4j.benchmarks;

import dev.attn4j.api.Backends;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.ModelInput;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How soon an application embedding attn4j can encode: from JVM start to a loaded model (an already converted folder)
 * and an open backend, then the first forward. A plain {@code main}, not JMH: start-up happens once per process.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * dev.attn4j.benchmarks.LoadTime MODEL_DIR [BACKEND]}.
 */
public final class LoadTime {
  private LoadTime() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: LoadTime MODEL_DIR [BACKEND]");
      System.exit(2);
    }
    long t0 = System.nanoTime();
    try (BertModel model = BertModel.load(Path.of(args[0]));
        Backend backend = Backends.open(args.length > 1 ? args[1] : "java", BackendOptions.defaults())) {
      long ready = ManagementFactory.getRuntimeMXBean().getUptime();
      double loadMs = (System.nanoTime() - t0) / 1e6;
      long t1 = System.nanoTime();
      try (TensorScope s = TensorScope.open()) {
        model.forward(backend, s, ModelInput.of(model.tokenizer().encodeBatch(java.util.List.of("Hello, world."), null, 128)), false, false);
      }
      System.out.printf(Locale.ROOT, "%s: ready to encode %d ms after JVM start (load %.0f ms); first forward %.0f ms%n", backend.name(), ready, loadMs,
          (System.nanoTime() - t1) / 1e6);
    }
  }
}
