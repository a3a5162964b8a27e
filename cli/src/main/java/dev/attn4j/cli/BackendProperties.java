package dev.attn4j.cli;

import dev.attn4j.spi.BackendOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The repeatable {@code --option KEY=VALUE} backend property, shared by the commands that open several backends. Not thread-safe. */
final class BackendProperties {
  @Option(names = "--option", paramLabel = "KEY=VALUE", description = "A backend property for every backend run, e.g. onednn.precision=bf16; repeatable.")
  Map<String, String> values = new LinkedHashMap<>();

  /** {@code options} with every property given on the command line. */
  BackendOptions applyTo(BackendOptions options) {
    for (Map.Entry<String, String> p : values.entrySet()) {
      options = options.with(p.getKey(), p.getValue());
    }
    return options;
  }
}
