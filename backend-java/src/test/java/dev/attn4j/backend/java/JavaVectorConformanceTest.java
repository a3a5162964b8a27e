package dev.attn4j.backend.java;

import dev.attn4j.conformance.BackendConformance;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;

/** backend-java's Vector API path against the conformance suite. */
class JavaVectorConformanceTest extends BackendConformance {
  JavaVectorConformanceTest() {
    super("java");
  }

  @Override
  protected BackendOptions options() {
    return super.options().with(JavaBackend.SIMD_PROPERTY, "true");
  }

  @Override
  protected void opened(Backend backend) {
    TestBackends.requirePath((JavaBackend) backend, true);
  }
}
