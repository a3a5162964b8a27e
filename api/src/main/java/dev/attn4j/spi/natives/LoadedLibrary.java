package dev.attn4j.spi.natives;

import java.lang.foreign.SymbolLookup;
import java.util.Objects;

/**
 * A native library that was opened, with where it came from. Immutable and thread-safe.
 *
 * <p>Stability: experimental.
 *
 * @param lookup symbols of the library
 * @param source which of the search steps found it
 * @param location the file (or loader name) that was opened
 */
public record LoadedLibrary(SymbolLookup lookup, Source source, String location) {
  /** The search step that found a library. */
  public enum Source {
    /** The file named by the library's system property. */
    PROPERTY,
    /** The system's dynamic loader. */
    SYSTEM,
    /** Files bundled in a jar, extracted into the per-user cache. */
    BUNDLED
  }

  public LoadedLibrary {
    Objects.requireNonNull(lookup, "lookup");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(location, "location");
  }

  /** E.g. {@code "bundled: /home/u/.cache/attn4j/native/1a2b.../libopenblas.so.0"}. */
  public String describe() {
    return switch (source) {
      case PROPERTY -> "from property: " + location;
      case SYSTEM -> "system: " + location;
      case BUNDLED -> "bundled: " + location;
    };
  }
}
