package dev.attn4j.backend.onednn;

import dev.attn4j.conformance.BackendConformance;

/** The oneDNN backend (float32) against the conformance suite; a missing library fails it (see BackendConformance). */
class OneDnnConformanceTest extends BackendConformance {
  OneDnnConformanceTest() {
    super("onednn");
  }
}
