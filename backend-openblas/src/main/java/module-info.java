import dev.attn4j.backend.openblas.OpenBlasBackendProvider;

/**
 * attn4j's OpenBLAS backend ({@code "openblas"}): {@code cblas_sgemm} bound with the Foreign Function and
 * Memory API; every other kernel is inherited from backend-java. Needs native access
 * ({@code --enable-native-access=dev.attn4j.backend.openblas}).
 */
module dev.attn4j.backend.openblas {
  requires transitive dev.attn4j.backend.java;

  exports dev.attn4j.backend.openblas;

  provides dev.attn4j.spi.BackendProvider with OpenBlasBackendProvider;
}
