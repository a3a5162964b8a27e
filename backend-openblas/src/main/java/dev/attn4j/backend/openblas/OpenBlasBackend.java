package dev.attn4j.backend.openblas;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.backend.java.JavaBackend;
import dev.attn4j.backend.openblas.internal.CblasGemm;
import dev.attn4j.backend.openblas.internal.OpenBlas;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.GemmProblem;
import dev.attn4j.spi.Transpose;
import java.util.concurrent.atomic.LongAdder;

/**
 * The OpenBLAS backend: GEMM (and with it linear layers and attention's batched products) runs in
 * {@code cblas_sgemm}/{@code cblas_sgemm_batch}; softmax, layer norm, activations and masks are backend-java's.
 * A GEMM whose strides BLAS cannot express (e.g. a broadcast row) also runs on the Java kernels.
 *
 * <p>Threads: {@link #threads()} threads compute, the calling thread and the inherited Java pool's
 * {@code threads() - 1} workers, and no others: OpenBLAS runs at one thread per call, and a product is split into
 * blocks (or batch entries) over those threads. OpenBLAS's own pool would keep spinning after each call and compete for the cores with the
 * Java row kernels that follow. Thread-safe: any number of Java threads may call concurrently (on disjoint
 * outputs).
 *
 * <p>Stability: stable since 0.1 for use through {@link dev.attn4j.spi.Backend}.
 */
public final class OpenBlasBackend extends JavaBackend {
  private final OpenBlas blas;
  private final CblasGemm gemm;
  private final LongAdder nativeCalls = new LongAdder();
  private final LongAdder javaCalls = new LongAdder();

  OpenBlasBackend(OpenBlas blas, BackendOptions options) {
    super(OpenBlasBackendProvider.NAME, options);
    this.blas = blas;
    this.gemm = new CblasGemm(blas);
  }

  @Override
  public String description() {
    return "openblas (OpenBLAS core " + blas.corename() + ", " + threads() + " threads; row kernels: java" + (vectorized() ? " SIMD" : " scalar") + ")";
  }

  /** Linear layers multiply in OpenBLAS, which takes the weight as it is: nothing to pack for the Java GEMM. */
  @Override
  protected boolean packsWeights() {
    return false;
  }

  @Override
  public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
    checkOpen();
    GemmProblem p = GemmProblem.of(a, transA, b, transB, c);
    if (gemm.run(p, alpha, beta, threads(), this::parallel)) {
      nativeCalls.increment();
    } else {
      javaCalls.increment();
      javaGemm(p, alpha, beta);
    }
  }

  /** GEMM calls served by OpenBLAS so far. */
  public long nativeGemmCalls() {
    return nativeCalls.sum();
  }

  /** GEMM calls whose layout BLAS cannot express, served by the Java kernels. */
  public long javaGemmCalls() {
    return javaCalls.sum();
  }

  /** The OpenBLAS build configuration, e.g. {@code "OpenBLAS 0.3.31 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=128"}. */
  public String openBlasConfig() {
    return blas.config();
  }

  /** The CPU kernels OpenBLAS selected, e.g. {@code "Cooperlake"}. */
  public String openBlasCore() {
    return blas.corename();
  }

  /** Where the library was loaded from. */
  public String librarySource() {
    return blas.library().describe();
  }
}
