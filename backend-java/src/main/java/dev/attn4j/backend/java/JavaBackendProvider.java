package dev.attn4j.backend.java;

import dev.attn4j.backend.java.kernels.KernelProvider;
import dev.attn4j.spi.Availability;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;

/**
 * Provides the {@code "java"} backend. Always available; priority 0, below the native backends.
 * Thread-safe and free of side effects until {@link #availability()} or {@link #create} is called.
 *
 * <p>Stability: stable since 0.1.
 */
public final class JavaBackendProvider implements BackendProvider {
  /** The backend's name. */
  public static final String NAME = "java";

  /** For {@link java.util.ServiceLoader}. */
  public JavaBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 0;
  }

  @Override
  public Availability availability() {
    return Availability.available("pure Java, " + KernelProvider.best().name() + " kernels");
  }

  @Override
  public Backend create(BackendOptions options) {
    return new JavaBackend(options);
  }
}
