package dev.attn4j.backend.java;

import dev.attn4j.backend.java.kernels.FusedAttention;
import dev.attn4j.backend.java.kernels.Gemm;
import dev.attn4j.backend.java.kernels.KernelProvider;
import dev.attn4j.backend.java.kernels.PackedWeight;
import dev.attn4j.backend.java.kernels.WorkerPool;
import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.Workspace;
import dev.attn4j.backend.java.scratch.ScratchPool;
import dev.attn4j.internal.reference.ReferenceKernels;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.Capability;
import dev.attn4j.spi.GemmProblem;
import dev.attn4j.spi.KernelChecks;
import dev.attn4j.spi.PreparedWeight;
import dev.attn4j.spi.Transpose;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * The pure-Java backend: packed, cache-blocked GEMM and row kernels on the Vector API (or scalar), spread
 * over {@link #threads()} threads: the caller and a private pool of {@code threads() - 1} workers.
 *
 * <p>Native backends extend this class and override the kernels their library accelerates; everything else
 * they inherit. Options: {@code threads}; property {@value #SIMD_PROPERTY} = {@code false} forces the scalar
 * kernels (the system property of the same name does too).
 *
 * <p>Thread-safe: kernels may be called concurrently from several threads (on disjoint outputs); their work
 * shares this instance's workers, one call's fan-out at a time. {@link #close()} stops the workers.
 *
 * <p>Stability: stable since 0.1 for use; subclassing is for attn4j's own backends (experimental).
 */
public class JavaBackend implements Backend {
  /** Backend option (and system property {@code attn4j.java.simd}): {@code false} forces scalar kernels. */
  public static final String SIMD_PROPERTY = "java.simd";
  /** Rows x columns below which a row kernel stays on the calling thread. */
  private static final long PARALLEL_ELEMENTS = 1L << 15;

  private final String name;
  private final KernelProvider kernels;
  private final WorkerPool pool;
  private final ScratchPool scratch = new ScratchPool();
  private volatile boolean closed;

  /** A Java backend with these options. */
  public JavaBackend(BackendOptions options) {
    this(JavaBackendProvider.NAME, options);
  }

  /** For subclasses: a backend reporting {@code name}. */
  protected JavaBackend(String name, BackendOptions options) {
    this.name = name;
    boolean simd = !"false".equalsIgnoreCase(options.property(SIMD_PROPERTY).orElse(System.getProperty("attn4j." + SIMD_PROPERTY, "true")));
    this.kernels = simd ? KernelProvider.best() : KernelProvider.scalar();
    this.pool = new WorkerPool(options.threads());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return name + " (" + kernels.name() + " kernels, " + threads() + " threads)";
  }

  @Override
  public int threads() {
    return pool.threads();
  }

  /** Whether the SIMD kernels are in use. */
  public boolean vectorized() {
    return kernels.vectorized();
  }

  @Override
  public Set<Capability> capabilities() {
    return kernels.vectorized() ? Set.of(Capability.FUSED_ADD_LAYER_NORM, Capability.VECTORIZED_ELEMENTWISE)
        : Set.of(Capability.FUSED_ADD_LAYER_NORM);
  }

  /** Throws if this backend has been closed. Subclasses call it before native work. */
  protected final void checkOpen() {
    if (closed) {
      throw new IllegalStateException("backend '" + name + "' is closed");
    }
  }

  /**
   * Runs {@code task} for parts {@code 0..parts-1} on this backend's workers (the caller takes part too) and
   * returns when all are done; for subclasses that parallelize their own work. The first exception thrown by
   * a part is rethrown.
   */
  protected final void parallel(int parts, IntConsumer task) {
    pool.run(parts, task);
  }

  @Override
  public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
    checkOpen();
    javaGemm(GemmProblem.of(a, transA, b, transB, c), alpha, beta);
  }

  /** Runs an already validated product on the Java kernels; for subclasses whose library cannot take it. */
  protected final void javaGemm(GemmProblem p, float alpha, float beta) {
    Gemm.run(p, alpha, beta, kernels, pool);
  }

  @Override
  public void addBias(Tensor x, Tensor bias) {
    checkOpen();
    KernelChecks.addBias(x, bias);
    biasActivate(x, bias, Activation.IDENTITY);
  }

  @Override
  public void add(Tensor x, Tensor y) {
    checkOpen();
    KernelChecks.add(x, y);
    if (x.rank() == 0 || x.stride(-1) != 1 || y.stride(-1) != 1) {
      ReferenceKernels.add(x, y);
      return;
    }
    MemorySegment xs = x.segment();
    MemorySegment ys = y.segment();
    int n = x.dim(-1);
    forRows(x, (r, off) -> kernels.addRow(xs, off, ys, y.rowOffset(r), n));
  }

  @Override
  public void activate(Tensor x, Activation activation) {
    checkOpen();
    KernelChecks.activate(x, activation);
    biasActivate(x, null, activation);
  }

  @Override
  public void linear(Tensor x, Tensor weight, Tensor bias, Activation activation, Tensor out) {
    checkOpen();
    KernelChecks.linear(x, weight, bias, activation, out);
    gemm(1f, x, Transpose.NONE, weight, Transpose.TRANSPOSE, 0f, out);
    // Bias and activation in one pass over the output while each row is in cache.
    biasActivate(out, bias, activation);
  }

  /**
   * Packs the weight into the Java GEMM's panel layout once, so that linear layers skip packing B on every call
   * (15-25% of a linear at 128 tokens, where the transposed weight makes packing a gather). Subclasses whose GEMM is
   * native return null through {@link #packsWeights()}.
   */
  @Override
  public PreparedWeight prepareWeight(Tensor weight) {
    checkOpen();
    Backend.super.prepareWeight(weight);
    return packsWeights() ? Gemm.pack(weight, kernels) : null;
  }

  /** Whether {@link #prepareWeight} packs for the Java GEMM; false in subclasses that run GEMM elsewhere. */
  protected boolean packsWeights() {
    return true;
  }

  @Override
  public void linear(Tensor x, Tensor weight, PreparedWeight prepared, Tensor bias, Activation activation, Tensor out) {
    if (!(prepared instanceof PackedWeight packed) || !packsWeights() || !packed.fits(weight.dim(0), weight.dim(1), kernels.nr())) {
      linear(x, weight, bias, activation, out);
      return;
    }
    checkOpen();
    KernelChecks.linear(x, weight, bias, activation, out);
    Gemm.run(GemmProblem.of(x, Transpose.NONE, weight, Transpose.TRANSPOSE, out), packed, 1f, 0f, kernels, pool);
    biasActivate(out, bias, activation);
  }

  private void biasActivate(Tensor x, Tensor bias, Activation act) {
    if (bias == null && act == Activation.IDENTITY) {
      return;
    }
    if (x.rank() == 0 || x.stride(-1) != 1 || (bias != null && bias.stride(0) != 1)) {
      if (bias != null) {
        ReferenceKernels.addBias(x, bias);
      }
      ReferenceKernels.activate(x, act);
      return;
    }
    MemorySegment xs = x.segment();
    MemorySegment bs = bias == null ? null : bias.segment();
    int n = x.dim(-1);
    forRows(x, (r, off) -> kernels.biasActivateRow(xs, off, bs, 0, n, act));
  }

  @Override
  public void softmax(Tensor x, float scale, Tensor mask) {
    checkOpen();
    KernelChecks.softmax(x, scale, mask);
    Tensor m = mask == null ? null : mask.expand(x.shape());
    if (x.stride(-1) != 1 || (m != null && m.stride(-1) != 1)) {
      ReferenceKernels.softmax(x, scale, mask);
      return;
    }
    MemorySegment xs = x.segment();
    MemorySegment ms = m == null ? null : m.segment();
    int n = x.dim(-1);
    forRows(x, (r, off) -> kernels.softmaxRow(xs, off, n, scale, ms, m == null ? 0 : m.rowOffset(r)));
  }

  @Override
  public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    checkOpen();
    KernelChecks.layerNorm(x, gamma, beta, eps);
    if (x.stride(-1) != 1 || gamma.stride(0) != 1 || beta.stride(0) != 1) {
      ReferenceKernels.layerNorm(x, gamma, beta, eps);
      return;
    }
    MemorySegment xs = x.segment();
    MemorySegment gs = gamma.segment();
    MemorySegment bs = beta.segment();
    int n = x.dim(-1);
    forRows(x, (r, off) -> kernels.layerNormRow(xs, off, n, gs, 0, bs, 0, eps));
  }

  @Override
  public void addLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
    checkOpen();
    KernelChecks.addLayerNorm(x, residual, gamma, beta, eps);
    if (x.stride(-1) != 1 || residual.stride(-1) != 1 || gamma.stride(0) != 1 || beta.stride(0) != 1) {
      ReferenceKernels.add(x, residual);
      ReferenceKernels.layerNorm(x, gamma, beta, eps);
      return;
    }
    MemorySegment xs = x.segment();
    MemorySegment rs = residual.segment();
    MemorySegment gs = gamma.segment();
    MemorySegment bs = beta.segment();
    int n = x.dim(-1);
    // One pass over the rows: each row is normalized while the sum has just left it in L1.
    forRows(x, (r, off) -> {
      kernels.addRow(xs, off, rs, residual.rowOffset(r), n);
      kernels.layerNormRow(xs, off, n, gs, 0, bs, 0, eps);
    });
  }

  /**
   * How many workers the row kernels (add, bias, activation, softmax, layer norm) may use; all of them by default. A
   * subclass whose native library keeps its own threads busy-waiting between calls returns 1, so the row kernels run
   * on the calling thread instead of competing with those threads for the cores.
   */
  protected int rowKernelThreads() {
    return pool.threads();
  }

  /** Runs {@code row} over every row of {@code x}, split across the workers when the tensor is large. */
  private void forRows(Tensor x, ReferenceKernels.RowVisitor row) {
    long rows = x.rows();
    int parts = x.size() < PARALLEL_ELEMENTS ? 1 : (int) Math.min(rowKernelThreads(), rows);
    pool.run(parts, part -> ReferenceKernels.forRows(x, rows * part / parts, rows * (part + 1) / parts, row));
  }

  /**
   * Attention fused row by row over all heads at once ({@link FusedAttention}: no scores tensor, no per-head GEMM
   * calls); layouts it cannot take run as GEMM, softmax, GEMM with the scores in reused scratch memory.
   */
  @Override
  public void scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale, Tensor out, Tensor probs) {
    checkOpen();
    KernelChecks.attention(q, k, v, mask, scale, out, probs);
    if (FusedAttention.run(q, k, v, mask, scale, out, probs, kernels, pool)) {
      return;
    }
    Workspace ws = probs == null ? scratch.borrow() : null;
    try {
      Tensor scores = probs != null ? probs : ws.allocate(q.shape().sub(0, q.rank() - 1).concat(Shape.of(k.dim(-2))));
      gemm(1f, q, Transpose.NONE, k, Transpose.TRANSPOSE, 0f, scores);
      softmax(scores, scale, mask);
      gemm(1f, scores, Transpose.NONE, v, Transpose.NONE, 0f, out);
    } finally {
      if (ws != null) {
        scratch.giveBack(ws);
      }
    }
  }

  /**
   * Scratch memory for a kernel's temporaries, reused across calls (a scope per call would cost a shared-arena close
   * each time). Give it back with {@link #giveBackScratch} in a {@code finally}.
   */
  protected final Workspace borrowScratch() {
    return scratch.borrow();
  }

  /** Returns scratch memory taken with {@link #borrowScratch()}. */
  protected final void giveBackScratch(Workspace workspace) {
    scratch.giveBack(workspace);
  }

  @Override
  public void close() {
    closed = true;
    pool.close();
    scratch.close();
  }
}
