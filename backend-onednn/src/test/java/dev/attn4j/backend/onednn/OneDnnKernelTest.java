package dev.attn4j.backend.onednn;

import dev.attn4j.spi.Backend;
import dev.attn4j.conformance.BackendKernelTests;

/** The oneDNN backend against the shared kernel tests (same oracle and budgets as backend-java). */
class OneDnnKernelTest extends BackendKernelTests {
  @Override
  protected Backend open() {
    return TestDnnl.open(2);
  }
}
