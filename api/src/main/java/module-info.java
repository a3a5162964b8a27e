/**
 * attn4j's stable API: off-heap float32 tensors, the backend SPI, attention and encoder layers.
 *
 * <p>Compute is delegated to a {@link dev.attn4j.spi.Backend} found with {@link java.util.ServiceLoader};
 * see {@link dev.attn4j.api.Backends}. This module depends on nothing but {@code java.base}.
 */
module dev.attn4j.api {
  exports dev.attn4j.api;
  exports dev.attn4j.api.tensor;
  exports dev.attn4j.api.attention;
  exports dev.attn4j.api.encoder;
  exports dev.attn4j.api.layers;
  exports dev.attn4j.api.cache;
  exports dev.attn4j.spi;
  exports dev.attn4j.spi.natives;
  // The scalar row kernels behind the SPI's default methods; backend-java's scalar path reuses them.
  exports dev.attn4j.internal.reference to dev.attn4j.backend.java;

  uses dev.attn4j.spi.BackendProvider;
}
