package dev.attn4j.backend.openblas;

import dev.attn4j.backend.openblas.internal.OpenBlas;
import dev.attn4j.spi.Availability;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import dev.attn4j.spi.natives.NativeLibraryNotFoundException;

/**
 * Provides the {@code "openblas"} backend. The library is searched on first use of {@link #availability()}
 * or {@link #create}, in this order: the file named by {@value OpenBlas#LIBRARY_PROPERTY}; {@code
 * libopenblas.so.0} through the system's dynamic loader; the {@code org.bytedeco:openblas:linux-x86_64} jar
 * on the class path (its {@code .so} files extracted once into the per-user cache). Setting {@value
 * OpenBlas#CORETYPE_PROPERTY} (e.g. {@code SkylakeX}) exports {@code OPENBLAS_CORETYPE} first, for builds that
 * do not recognise the CPU (the core in use is reported).
 *
 * <p>Priority 10: preferred over backend-java. Thread-safe; no side effects until first use.
 *
 * <p>Stability: stable since 0.1.
 */
public final class OpenBlasBackendProvider implements BackendProvider {
  /** The backend's name. */
  public static final String NAME = "openblas";

  /** For {@link java.util.ServiceLoader}. */
  public OpenBlasBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 10;
  }

  @Override
  public Availability availability() {
    try {
      return Availability.available(OpenBlas.get().describe());
    } catch (NativeLibraryNotFoundException e) {
      return Availability.unavailable(e.getMessage());
    }
  }

  @Override
  public Backend create(BackendOptions options) {
    try {
      return new OpenBlasBackend(OpenBlas.get(), options);
    } catch (NativeLibraryNotFoundException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
