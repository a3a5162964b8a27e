package dev.attn4j.backend.openblas;

import dev.attn4j.conformance.BackendConformance;

/** The OpenBLAS backend against the conformance suite; a missing library fails it (see BackendConformance). */
class OpenBlasConformanceTest extends BackendConformance {
  OpenBlasConformanceTest() {
    super("openblas");
  }
}
