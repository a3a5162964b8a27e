package dev.attn4j.backend.java;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.testing.BackendKernelTests;
import org.junit.jupiter.api.Test;

/** backend-java's scalar path, two threads, against the shared kernel tests. */
class JavaScalarKernelTest extends BackendKernelTests {
  @Override
  protected Backend open() {
    return new JavaBackend(BackendOptions.defaults().withThreads(2).with(JavaBackend.SIMD_PROPERTY, "false"));
  }

  @Test
  void runsTheIntendedPath() {
    assertEquals(false, ((JavaBackend) backend).vectorized(), backend.description());
  }
}
