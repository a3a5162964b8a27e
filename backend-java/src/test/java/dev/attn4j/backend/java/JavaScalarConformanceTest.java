package dev.attn4j.backend.java;

import dev.attn4j.conformance.BackendConformance;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;

/** backend-java's scalar path (what runs without jdk.incubator.vector) against the conformance suite. */
class JavaScalarConformanceTest extends BackendConformance {
  JavaScalarConformanceTest() {
    super("java");
  }

  @Override
  protected BackendOptions options() {
    return super.options().with(JavaBackend.SIMD_PROPERTY, "false");
  }

  @Override
  protected void opened(Backend backend) {
    TestBackends.requirePath((JavaBackend) backend, false);
  }
}
