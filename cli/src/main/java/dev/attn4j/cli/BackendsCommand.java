package dev.attn4j.cli;

import dev.attn4j.api.Backends;
import dev.attn4j.spi.Availability;
import dev.attn4j.spi.BackendProvider;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code attn4j backends}: every backend found, whether it can run here, and why not. */
@Command(name = "backends", description = "List the backends found and whether each is available (and why not).")
final class BackendsCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.printf("%-10s %8s  %-11s %s%n", "backend", "priority", "status", "detail");
    for (BackendProvider p : Backends.providers()) {
      Availability a = p.availability();
      System.out.printf("%-10s %8d  %-11s %s%n", p.name(), p.priority(), a.available() ? "available" : "UNAVAILABLE", a.detail());
    }
    return 0;
  }
}
