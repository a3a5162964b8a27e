package dev.attn4j.backend.onednn;

import dev.attn4j.spi.Availability;

/**
 * Child-JVM entry point for tests: prints the provider's availability. With {@code --interrupted} the probing thread
 * is interrupted first, and whether it still is afterwards is printed too.
 */
final class AvailabilityProbe {
  private AvailabilityProbe() {}

  public static void main(String[] args) {
    boolean interrupt = args.length > 0 && args[0].equals("--interrupted");
    if (interrupt) {
      Thread.currentThread().interrupt();
    }
    Availability a = new OneDnnBackendProvider().availability();
    System.out.println("available=" + a.available() + " detail=" + a.detail() + (interrupt ? " interrupted=" + Thread.interrupted() : ""));
  }
}
