package dev.attn4j.backend.openblas;

import dev.attn4j.spi.BackendOptions;

/** Opens the OpenBLAS backend for tests; a missing library fails the test (never skips it). */
final class TestBlas {
  private TestBlas() {}

  static OpenBlasBackend open(int threads) {
    return (OpenBlasBackend) new OpenBlasBackendProvider().create(BackendOptions.defaults().withThreads(threads));
  }
}
