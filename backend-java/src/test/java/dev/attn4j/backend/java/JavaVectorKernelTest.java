package dev.attn4j.backend.java;

import dev.attn4j.spi.Backend;
import dev.attn4j.conformance.BackendKernelTests;

/** backend-java's vector path against the shared kernel tests. */
class JavaVectorKernelTest extends BackendKernelTests {
  @Override
  protected Backend open() {
    return TestBackends.open(true);
  }
}
