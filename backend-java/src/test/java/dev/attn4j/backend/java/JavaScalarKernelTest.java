package dev.attn4j.backend.java;

import dev.attn4j.spi.Backend;
import dev.attn4j.conformance.BackendKernelTests;

/** backend-java's scalar path against the shared kernel tests. */
class JavaScalarKernelTest extends BackendKernelTests {
  @Override
  protected Backend open() {
    return TestBackends.open(false);
  }
}
