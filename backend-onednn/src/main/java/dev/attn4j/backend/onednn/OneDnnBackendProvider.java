package dev.attn4j.backend.onednn;

import dev.attn4j.backend.onednn.internal.Dnnl;
import dev.attn4j.spi.Availability;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import dev.attn4j.spi.natives.NativeLibraryNotFoundException;

/**
 * Provides the {@code "onednn"} backend. The library is searched on first use of {@link #availability()} or
 * {@link #create}, in this order: the file named by {@value Dnnl#LIBRARY_PROPERTY}; {@code libdnnl.so.3} through
 * the system's dynamic loader; the {@code org.bytedeco:dnnl:linux-x86_64} jar on the class path (its {@code
 * libgomp.so.1} and {@code libdnnl.so.3} extracted once into the per-user cache). The availability reason reports
 * the library's location, {@code dnnl_version()} and the CPU ISA oneDNN dispatches to.
 *
 * <p>Priority 20: preferred over openblas and java when available. Thread-safe; no side effects until first use.
 *
 * <p>Stability: stable since 0.1.
 */
public final class OneDnnBackendProvider implements BackendProvider {
  /** The backend's name. */
  public static final String NAME = "onednn";

  /** For {@link java.util.ServiceLoader}. */
  public OneDnnBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 20;
  }

  @Override
  public Availability availability() {
    try {
      return Availability.available(Dnnl.get().describe());
    } catch (NativeLibraryNotFoundException e) {
      return Availability.unavailable(e.getMessage());
    }
  }

  @Override
  public Backend create(BackendOptions options) {
    try {
      return new OneDnnBackend(Dnnl.get(), options);
    } catch (NativeLibraryNotFoundException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
