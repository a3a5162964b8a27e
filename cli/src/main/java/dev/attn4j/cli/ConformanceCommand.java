package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.attn4j.api.BackendRegistry;
import dev.attn4j.conformance.CaseResult;
import dev.attn4j.conformance.CaseResult.Status;
import dev.attn4j.conformance.ConformanceRunner;
import dev.attn4j.conformance.ConformanceSuite;
import dev.attn4j.conformance.ConformanceSuite.Group;
import dev.attn4j.conformance.PrecisionClass;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code attn4j conformance}: runs the conformance suite on the chosen backends (those found, plus any in extra jars
 * loaded with a class loader of their own) and prints, per case and backend, the largest absolute and relative error,
 * the normalized MSE, the verdict and the time. Exit status 0 only when every case passed.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true,
    description = {"Run the conformance suite on backends and print case x backend: max abs error, max relative error, NMSE, pass/fail, time.",
        "Exit status 0 only when every case passes."})
final class ConformanceCommand implements Callable<Integer> {
  @Option(names = "--backend", paramLabel = "NAME", description = "Backend to check; repeat for several (default: every backend found).")
  List<String> backends = new ArrayList<>();

  @Option(names = "--jar", paramLabel = "PATH", description = "A jar with more backends (ServiceLoader, META-INF/services); repeat for several.")
  List<Path> jars = new ArrayList<>();

  @Option(names = "--group", paramLabel = "GROUP", split = ",",
      description = "Case groups to run: ${COMPLETION-CANDIDATES} (default: all).")
  List<Group> groups = new ArrayList<>();

  @Option(names = "--threads", description = "Threads per backend (default: ${DEFAULT-VALUE}).", defaultValue = "2")
  int threads;

  @Mixin
  BackendProperties properties;

  @Option(names = "--precision", description = "Tolerance class: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).", defaultValue = "F32")
  PrecisionClass precision;

  @Option(names = "--refs", paramLabel = "DIR",
      description = "Folder of reference checkpoints (like attn4j's ../shared/refs) to run the real ones too; default: the synthetic ones in the jar.")
  Path refs;

  @Option(names = "--onnx-jar", paramLabel = "JAR",
      description = "An ONNX model jar for checkpoints whose refs hold no weights (bge-small-en/zh-v1.5); repeatable. Needs --refs.")
  List<Path> onnxJars = new ArrayList<>();

  @Option(names = "--skip-unavailable", description = "Skip (and list) backends that cannot run here instead of failing.")
  boolean skipUnavailable;

  @Option(names = "--failures-only", description = "Print only failed and skipped cases, then the summary.")
  boolean failuresOnly;

  @Option(names = "--json", description = "Write JSON instead of the table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
    }
    if (refs != null) {
      if (!Files.isDirectory(refs)) {
        throw new IllegalArgumentException("--refs " + refs + " is not a folder");
      }
      System.setProperty("attn4j.refs", refs.toString());
    }
    if (!onnxJars.isEmpty()) {
      for (Path j : onnxJars) {
        if (!Files.isRegularFile(j)) {
          throw new IllegalArgumentException("--onnx-jar " + j + ": no such file");
        }
      }
      System.setProperty("attn4j.onnx.jars", String.join(",", onnxJars.stream().map(Path::toString).toList()));
    }
    try (URLClassLoader loader = new URLClassLoader("attn4j-conformance-jars", urls(), ConformanceCommand.class.getClassLoader())) {
      List<BackendProvider> chosen = choose(BackendRegistry.load(loader));
      BackendOptions options = properties.applyTo(BackendOptions.defaults().withThreads(threads));
      EnumSet<Group> run = groups.isEmpty() ? EnumSet.allOf(Group.class) : EnumSet.copyOf(groups);
      List<CaseResult> results = new ArrayList<>();
      List<String> skipped = new ArrayList<>();
      ClassLoader previous = Thread.currentThread().getContextClassLoader();
      // Backends in extra jars resolve their own resources through the jar loader.
      Thread.currentThread().setContextClassLoader(loader);
      try {
        for (BackendProvider p : chosen) {
          if (skipUnavailable && !p.availability().available()) {
            skipped.add(p.name() + ": " + p.availability().detail());
            continue;
          }
          ConformanceSuite suite = ConformanceSuite.of(p).withOptions(options).withPrecision(precision).withGroups(run);
          int[] failed = {0};
          try (ProgressBar bar = ProgressBars.open(suite.label(), -1, " cases")) {
            results.addAll(ConformanceRunner.run(suite, r -> {
              failed[0] += r.status() == Status.FAILED ? 1 : 0;
              bar.step();
              bar.setExtraMessage(failed[0] == 0 ? "" : failed[0] + " failed");
            }));
          }
        }
      } finally {
        Thread.currentThread().setContextClassLoader(previous);
      }
      if (json) {
        writeJson(results, skipped);
      } else {
        printTable(results, skipped);
      }
      return results.stream().allMatch(r -> r.status() != Status.FAILED) ? 0 : Main.FAILED;
    }
  }

  private URL[] urls() throws MalformedURLException {
    URL[] urls = new URL[jars.size()];
    for (int i = 0; i < urls.length; i++) {
      Path jar = jars.get(i);
      if (!Files.isRegularFile(jar)) {
        throw new IllegalArgumentException("--jar " + jar + ": no such file");
      }
      urls[i] = jar.toUri().toURL();
    }
    return urls;
  }

  private List<BackendProvider> choose(BackendRegistry registry) {
    List<BackendProvider> all = registry.providers();
    if (backends.isEmpty()) {
      return all;
    }
    List<BackendProvider> chosen = new ArrayList<>();
    for (String name : backends) {
      chosen.add(registry.find(name).orElseThrow(() -> new IllegalArgumentException(
          "unknown backend '" + name + "'; found " + all.stream().map(BackendProvider::name).toList() + (jars.isEmpty() ? " (add --jar for others)" : ""))));
    }
    return chosen;
  }

  private void printTable(List<CaseResult> results, List<String> skipped) {
    int width = Math.min(90, results.stream().mapToInt(r -> (r.group() + ": " + r.name()).length()).max().orElse(10));
    int bw = Math.max(7, results.stream().mapToInt(r -> r.backend().length()).max().orElse(7));
    String row = "%-" + width + "s  %-" + bw + "s  %9s  %9s  %9s  %-7s  %8s%n";
    System.out.printf(row, "case", "backend", "max abs", "max rel", "NMSE", "result", "ms");
    for (CaseResult r : results) {
      if (failuresOnly && r.passed()) {
        continue;
      }
      String name = r.group() + ": " + r.name();
      if (name.length() > width) {
        name = name.substring(0, width - 3) + "...";
      }
      boolean numbers = r.compared() > 0;
      System.out.printf(row, name, r.backend(), numbers ? sci(r.maxAbs()) : "-", numbers ? sci(r.maxRel()) : "-", numbers ? sci(r.nmse()) : "-",
          r.status() == Status.PASSED ? "pass" : r.status() == Status.FAILED ? "FAIL" : "skip", String.format(Locale.ROOT, "%.1f", r.time().toNanos() / 1e6));
      if (!r.message().isEmpty() && (r.status() != Status.PASSED || r.group().equals("determinism"))) {
        System.out.println("    " + r.message());
      }
    }
    System.out.println();
    Map<String, int[]> byBackend = new LinkedHashMap<>();
    for (CaseResult r : results) {
      byBackend.computeIfAbsent(r.backend(), b -> new int[3])[r.status().ordinal()]++;
    }
    byBackend.forEach((b, n) -> System.out.printf("%-" + bw + "s  %d passed, %d failed, %d skipped%n", b, n[0], n[1], n[2]));
    skipped.forEach(s -> System.out.println("skipped backend " + s));
  }

  private static String sci(double v) {
    return v == 0 ? "0" : String.format(Locale.ROOT, "%.2e", v);
  }

  private void writeJson(List<CaseResult> results, List<String> skipped) throws Exception {
    try (JsonGenerator g = JsonOut.open(null)) {
      g.writeStartObject();
      g.writeBooleanField("passed", results.stream().allMatch(r -> r.status() != Status.FAILED));
      g.writeArrayFieldStart("skipped_backends");
      for (String s : skipped) {
        g.writeString(s);
      }
      g.writeEndArray();
      g.writeArrayFieldStart("cases");
      for (CaseResult r : results) {
        g.writeStartObject();
        g.writeStringField("backend", r.backend());
        g.writeStringField("group", r.group());
        g.writeStringField("case", r.name());
        g.writeStringField("status", r.status().name().toLowerCase(Locale.ROOT));
        g.writeNumberField("compared", r.compared());
        g.writeNumberField("max_abs", finite(r.maxAbs()));
        g.writeNumberField("max_rel", finite(r.maxRel()));
        g.writeNumberField("nmse", finite(r.nmse()));
        g.writeNumberField("ms", r.time().toNanos() / 1e6);
        g.writeStringField("message", r.message());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    System.out.println();
  }

  /** JSON has no infinity: an error that is infinite (NaN where a number was due) is written as the largest double. */
  private static double finite(double v) {
    return Double.isFinite(v) ? v : Double.MAX_VALUE;
  }
}
