package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.attn4j.api.Backends;
import dev.attn4j.spi.Availability;
import dev.attn4j.spi.BackendProvider;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code attn4j backends}: every backend found, whether it can run here (library, version), and why not. */
@Command(name = "backends", mixinStandardHelpOptions = true, description = "List the backends found and whether each is available (and why not).")
final class BackendsCommand implements Callable<Integer> {
  @Option(names = "--json", description = "Write JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    int threads = Runtime.getRuntime().availableProcessors();
    if (json) {
      try (JsonGenerator g = JsonOut.open(null)) {
        g.writeStartObject();
        g.writeArrayFieldStart("backends");
        for (BackendProvider p : Backends.providers()) {
          Availability a = p.availability();
          g.writeStartObject();
          g.writeStringField("name", p.name());
          g.writeNumberField("priority", p.priority());
          g.writeBooleanField("available", a.available());
          g.writeStringField(a.available() ? "detail" : "reason", a.detail());
          g.writeNumberField("default_threads", threads);
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      System.out.println();
      return 0;
    }
    System.out.printf("%-10s %8s  %-11s %s%n", "backend", "priority", "status", "detail");
    for (BackendProvider p : Backends.providers()) {
      Availability a = p.availability();
      System.out.printf("%-10s %8d  %-11s %s%n", p.name(), p.priority(), a.available() ? "available" : "UNAVAILABLE", a.detail());
    }
    System.out.println("default threads: " + threads + " (--threads N to change)");
    return 0;
  }
}
