package dev.attn4j.conformance;

import dev.attn4j.spi.Backend;


/** Attention and encoder layers on the SPI defaults alone. */
class GemmOnlyBackendLayerTest extends BackendLayerTests {
  @Override
  protected Backend open() {
    return new NaiveGemmBackend();
  }
}
