package dev.attn4j.backend.java;

import dev.attn4j.spi.Backend;
import dev.attn4j.conformance.BackendLayerTests;

/** backend-java's scalar path against the shared layer tests. */
class JavaScalarLayerTest extends BackendLayerTests {
  @Override
  protected Backend open() {
    return TestBackends.open(false);
  }
}
