package dev.attn4j.spi;

import dev.attn4j.testing.BackendLayerTests;
import dev.attn4j.testing.NaiveGemmBackend;

/** Attention and encoder layers on the SPI defaults alone. */
class GemmOnlyBackendLayerTest extends BackendLayerTests {
  @Override
  protected Backend open() {
    return new NaiveGemmBackend();
  }
}
