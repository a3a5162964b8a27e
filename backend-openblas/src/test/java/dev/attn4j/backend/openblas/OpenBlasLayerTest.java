package dev.attn4j.backend.openblas;

import dev.attn4j.spi.Backend;
import dev.attn4j.conformance.BackendLayerTests;

/** The OpenBLAS backend against the shared layer tests (attention, encoder layers). */
class OpenBlasLayerTest extends BackendLayerTests {
  @Override
  protected Backend open() {
    return TestBlas.open(2);
  }
}
