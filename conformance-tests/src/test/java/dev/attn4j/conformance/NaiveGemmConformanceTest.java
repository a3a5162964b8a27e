package dev.attn4j.conformance;

/** A backend that supplies only GEMM is complete: with the SPI defaults it passes the whole suite. */
class NaiveGemmConformanceTest extends BackendConformance {
  NaiveGemmConformanceTest() {
    super(Fixtures.provider("naive", NaiveGemmBackend::new));
  }
}
