package com.example.blockedgemm;

import dev.attn4j.spi.Availability;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;

/** Registers {@link BlockedGemmBackend} under the name {@code blocked-gemm}; always available (pure Java). Thread-safe. */
public final class BlockedGemmProvider implements BackendProvider {
  @Override
  public String name() {
    return "blocked-gemm";
  }

  @Override
  public int priority() {
    // Below attn4j's own backends: chosen only when asked for by name.
    return -10;
  }

  @Override
  public Availability availability() {
    return Availability.available("pure Java, cache-blocked GEMM, 1 thread");
  }

  @Override
  public Backend create(BackendOptions options) {
    return new BlockedGemmBackend();
  }
}
