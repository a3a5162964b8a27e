package dev.attn4j.spi;

import java.util.Objects;

/**
 * Whether a backend can run on this machine: available with a description of what was found (library,
 * version, CPU features), or unavailable with a human-readable reason naming what was looked for.
 * Immutable and thread-safe.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param available whether {@link BackendProvider#create} will succeed
 * @param detail what was found when available, why not otherwise; never null
 */
public record Availability(boolean available, String detail) {
  public Availability {
    Objects.requireNonNull(detail, "detail");
  }

  /** Available; {@code detail} says what was found (e.g. the library and its version). */
  public static Availability available(String detail) {
    return new Availability(true, detail);
  }

  /** Unavailable, for the given reason (what was tried, what to install or which flag to pass). */
  public static Availability unavailable(String reason) {
    return new Availability(false, reason);
  }
}
