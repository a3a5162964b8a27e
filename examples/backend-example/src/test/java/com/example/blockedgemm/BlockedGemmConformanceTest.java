package com.example.blockedgemm;

import dev.attn4j.conformance.BackendConformance;

/** The whole attn4j conformance suite on this backend: kernels, layers, BERT goldens, determinism. */
class BlockedGemmConformanceTest extends BackendConformance {
  BlockedGemmConformanceTest() {
    super("blocked-gemm");
  }
}
