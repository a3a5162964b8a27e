package dev.attn4j.backend.onednn;

import dev.attn4j.spi.Backend;
import dev.attn4j.conformance.BackendLayerTests;

/** The oneDNN backend against the shared layer tests (attention, encoder layers). */
class OneDnnLayerTest extends BackendLayerTests {
  @Override
  protected Backend open() {
    return TestDnnl.open(2);
  }
}
