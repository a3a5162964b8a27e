package dev.attn4j.conformance;

import dev.attn4j.spi.Backend;


/** A backend that supplies only GEMM is complete: the SPI defaults pass every kernel test. */
class GemmOnlyBackendKernelTest extends BackendKernelTests {
  @Override
  protected Backend open() {
    return new NaiveGemmBackend();
  }
}
