package dev.attn4j.backend.onednn;

import dev.attn4j.spi.BackendOptions;

/** Opens the oneDNN backend for tests; a missing library fails the test (never skips it). */
final class TestDnnl {
  private TestDnnl() {}

  static OneDnnBackend open(int threads) {
    return open(BackendOptions.defaults().withThreads(threads));
  }

  static OneDnnBackend open(BackendOptions options) {
    return (OneDnnBackend) new OneDnnBackendProvider().create(options);
  }
}
