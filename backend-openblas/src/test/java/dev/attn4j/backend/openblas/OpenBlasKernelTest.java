package dev.attn4j.backend.openblas;

import dev.attn4j.spi.Backend;
import dev.attn4j.conformance.BackendKernelTests;

/** The OpenBLAS backend against the shared kernel tests (same oracle and budgets as backend-java). */
class OpenBlasKernelTest extends BackendKernelTests {
  @Override
  protected Backend open() {
    return TestBlas.open(2);
  }
}
