package dev.attn4j.benchmarks;

import dev.attn4j.api.Backends;
import dev.attn4j.api.layers.PreparedWeights;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.ModelInput;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Memory of a long-lived backend serving model after model: loads a converted model, runs one forward, closes it,
 * {@code N} times on one backend, and prints the process's resident size after each cycle and the prepared copies still
 * held. A server that reloads models must stay flat. A plain {@code main}: memory, not time.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx1g -cp
 * benchmarks/target/benchmarks.jar dev.attn4j.benchmarks.ReloadMemory MODEL_DIR [BACKEND] [CYCLES] [KEY=VALUE ...]}
 * (backend options, e.g. {@code onednn.precision=bf16}).
 */
public final class ReloadMemory {
  private ReloadMemory() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: ReloadMemory MODEL_DIR [BACKEND] [CYCLES] [KEY=VALUE ...]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    String name = args.length > 1 ? args[1] : "java";
    int cycles = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    BackendOptions options = BackendOptions.defaults();
    for (int i = 3; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      options = options.with(kv[0], kv.length > 1 ? kv[1] : "");
    }
    StringBuilder rss = new StringBuilder();
    try (Backend backend = Backends.open(name, options)) {
      for (int i = 0; i < cycles; i++) {
        try (BertModel model = BertModel.load(dir); TensorScope s = TensorScope.open()) {
          model.forward(backend, s, ModelInput.of(model.tokenizer().encodeBatch(List.of("Hello, world."), null, 128)), false, false);
        }
        rss.append(i == 0 ? "" : " ").append(residentMiB());
      }
      System.out.printf(Locale.ROOT, "%s, %d load-forward-close cycles: RSS MiB after each: %s; prepared copies still held: %d bytes%n",
          backend.description(), cycles, rss, PreparedWeights.bytes(backend));
    }
  }

  private static long residentMiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return -1;
  }
}
