import dev.attn4j.backend.onednn.OneDnnBackendProvider;

/**
 * attn4j's oneDNN backend ({@code "onednn"}): matmul (with bias, activation, scale and mask post-ops), softmax,
 * layer normalization and activations from the oneDNN 3.x C API, bound with the Foreign Function and Memory API;
 * every other kernel is inherited from backend-java. Needs native access
 * ({@code --enable-native-access=dev.attn4j.backend.onednn}).
 */
module dev.attn4j.backend.onednn {
  requires transitive dev.attn4j.backend.java;

  exports dev.attn4j.backend.onednn;

  provides dev.attn4j.spi.BackendProvider with OneDnnBackendProvider;
}
