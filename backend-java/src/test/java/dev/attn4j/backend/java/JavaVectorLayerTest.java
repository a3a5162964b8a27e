package dev.attn4j.backend.java;

import dev.attn4j.spi.Backend;
import dev.attn4j.conformance.BackendLayerTests;

/** backend-java's vector path against the shared layer tests. */
class JavaVectorLayerTest extends BackendLayerTests {
  @Override
  protected Backend open() {
    return TestBackends.open(true);
  }
}
