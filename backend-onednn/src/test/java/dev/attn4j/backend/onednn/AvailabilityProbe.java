package dev.attn4j.backend.onednn;

import dev.attn4j.spi.Availability;

/** Child-JVM entry point for tests: prints the provider's availability. */
final class AvailabilityProbe {
  private AvailabilityProbe() {}

  public static void main(String[] args) {
    Availability a = new OneDnnBackendProvider().availability();
    System.out.println("available=" + a.available() + " detail=" + a.detail());
  }
}
