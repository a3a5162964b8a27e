import dev.attn4j.backend.java.JavaBackendProvider;

/**
 * attn4j's pure-Java backend ({@code "java"}): SIMD through the incubating Vector API when
 * {@code jdk.incubator.vector} is in the boot layer, scalar otherwise; multi-threaded. It is the reference
 * other backends are held against, and the base class they inherit un-accelerated kernels from.
 */
module dev.attn4j.backend.java {
  requires transitive dev.attn4j.api;
  // Optional at run time: without it the scalar kernels run (see KernelProvider).
  requires static jdk.incubator.vector;

  exports dev.attn4j.backend.java;

  provides dev.attn4j.spi.BackendProvider with JavaBackendProvider;
}
