package dev.attn4j.spi;

import dev.attn4j.testing.BackendKernelTests;
import dev.attn4j.testing.NaiveGemmBackend;

/** A backend that supplies only GEMM is complete: the SPI defaults pass every kernel test. */
class GemmOnlyBackendKernelTest extends BackendKernelTests {
  @Override
  protected Backend open() {
    return new NaiveGemmBackend();
  }
}
