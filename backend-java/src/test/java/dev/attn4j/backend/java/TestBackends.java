package dev.attn4j.backend.java;

import dev.attn4j.spi.BackendOptions;

/** Opens backend-java on a chosen kernel path, two threads, and fails fast if that path is not the one running. */
final class TestBackends {
  private TestBackends() {}

  static JavaBackend open(boolean simd) {
    JavaBackend b = new JavaBackend(BackendOptions.defaults().withThreads(2).with(JavaBackend.SIMD_PROPERTY, String.valueOf(simd)));
    try {
      requirePath(b, simd);
    } catch (IllegalStateException e) {
      b.close();
      throw e;
    }
    return b;
  }

  static void requirePath(JavaBackend b, boolean simd) {
    if (b.vectorized() != simd) {
      throw new IllegalStateException("expected the " + (simd ? "vector" : "scalar") + " path but got " + b.description()
          + (simd ? " (is --add-modules jdk.incubator.vector in the surefire argLine?)" : ""));
    }
  }
}
