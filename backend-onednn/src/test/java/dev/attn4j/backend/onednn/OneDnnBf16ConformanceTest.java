package dev.attn4j.backend.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attn4j.conformance.BackendConformance;
import dev.attn4j.conformance.PrecisionClass;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;

/** The oneDNN backend in bf16 mode, held to the suite's bf16 tolerances. */
class OneDnnBf16ConformanceTest extends BackendConformance {
  OneDnnBf16ConformanceTest() {
    super("onednn");
  }

  @Override
  protected BackendOptions options() {
    return super.options().with(OneDnnBackend.PRECISION_PROPERTY, "bf16");
  }

  @Override
  protected PrecisionClass precision() {
    return PrecisionClass.BF16;
  }

  @Override
  protected void opened(Backend backend) {
    assertEquals(Precision.BF16, ((OneDnnBackend) backend).precision(), "bf16 mode did not take");
  }
}
