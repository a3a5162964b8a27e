package dev.attn4j.spi.natives;

import java.util.List;
import java.util.Objects;

/**
 * Where to look for one native library, in the order {@link NativeLibraryLocator} tries them.
 * Immutable and thread-safe.
 *
 * <p>Stability: experimental.
 *
 * @param displayName human name used in messages, e.g. {@code "OpenBLAS"}
 * @param pathProperty system property that names the library file explicitly; when set, nothing else is tried
 * @param systemNames file names handed to the system's dynamic loader, in order, e.g. {@code libopenblas.so.0}
 * @param resourceDir class-path folder holding bundled copies, e.g. {@code org/bytedeco/openblas/linux-x86_64}
 * @param bundledFiles files in {@code resourceDir} in load order: dependencies first, the library itself last
 */
public record NativeLibrarySpec(String displayName, String pathProperty, List<String> systemNames, String resourceDir, List<String> bundledFiles) {
  public NativeLibrarySpec {
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(pathProperty, "pathProperty");
    systemNames = List.copyOf(systemNames);
    Objects.requireNonNull(resourceDir, "resourceDir");
    bundledFiles = List.copyOf(bundledFiles);
    if (bundledFiles.isEmpty()) {
      throw new IllegalArgumentException("bundledFiles must name at least the library itself");
    }
    for (String f : bundledFiles) {
      if (f.isEmpty() || f.contains("/") || f.contains("\\") || f.startsWith(".")) {
        throw new IllegalArgumentException("bundled file names must be plain file names: '" + f + "'");
      }
    }
  }
}
