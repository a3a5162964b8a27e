package dev.attn4j.backend.onednn;

import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.Workspace;
import dev.attn4j.backend.java.JavaBackend;
import dev.attn4j.backend.onednn.internal.Dnnl;
import dev.attn4j.backend.onednn.internal.DnnlEngine;
import dev.attn4j.backend.onednn.internal.DnnlKernels;
import dev.attn4j.backend.onednn.internal.DnnlKernels.Epilogue;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.Capability;
import dev.attn4j.spi.GemmProblem;
import dev.attn4j.spi.KernelChecks;
import dev.attn4j.spi.PreparedWeight;
import dev.attn4j.spi.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The oneDNN backend. oneDNN runs GEMM and linear layers as matmul primitives (bias and activation fused into the
 * product), attention's two products (scale and additive mask fused into the first) with its softmax in between,
 * layer normalization and activations. The rest (residual adds, softmax with a scale or mask outside attention,
 * layouts oneDNN cannot describe) runs on the inherited backend-java kernels.
 *
 * <p>Options: {@link BackendOptions#threads()} is both the OpenMP team size of this backend's oneDNN calls and the
 * size of the inherited Java worker pool (used by Java GEMM fallbacks; the row kernels run on the calling thread,
 * while oneDNN's threads wait for the next primitive, so the two never compete for cores); property {@value #PRECISION_PROPERTY} ({@code f32} default, or {@code
 * bf16}, see {@link Precision}; system property {@code attn4j.onednn.precision} as default; in bf16 a prepared weight
 * is converted once, when prepared, and an unprepared one on every call); property
 * {@value #CACHE_PROPERTY}: primitives kept (default {@value #DEFAULT_CACHE_CAPACITY}).
 *
 * <p>Results in f32 are bit-for-bit repeatable for the same inputs, machine and thread count.
 *
 * <p>Thread-safe: any number of Java threads may call concurrently (on disjoint outputs). Each call executes on its
 * own oneDNN stream and scratchpad; the primitive cache is shared. {@link #close()} releases the engine, streams,
 * scratchpads and primitives; it must not race with calls in flight.
 *
 * <p>Stability: stable since 0.1 for use through {@link dev.attn4j.spi.Backend}.
 */
public final class OneDnnBackend extends JavaBackend {
  /** Attention scores larger than this are computed a few batch items at a time. */
  private static final long SCORES_CHUNK_BYTES = 16L << 20;

  /** Backend option: {@code f32} or {@code bf16}. */
  public static final String PRECISION_PROPERTY = "onednn.precision";
  /** Backend option: how many primitives the cache keeps. */
  public static final String CACHE_PROPERTY = "onednn.cache.capacity";
  /** Default cache capacity: a BERT forward needs a few dozen distinct primitives per sequence shape. */
  public static final int DEFAULT_CACHE_CAPACITY = 512;

  private final Dnnl dnnl;
  private final DnnlEngine engine;
  private final DnnlKernels kernels;
  private final Precision precision;
  private final LongAdder nativeCalls = new LongAdder();
  private final LongAdder javaCalls = new LongAdder();

  OneDnnBackend(Dnnl dnnl, BackendOptions options) {
    super(OneDnnBackendProvider.NAME, options);
    this.dnnl = dnnl;
    this.precision = Precision.parse(options.property(PRECISION_PROPERTY).orElse(System.getProperty("attn4j." + PRECISION_PROPERTY, "f32")));
    if (precision == Precision.BF16 && !dnnl.hasBf16()) {
      super.close();
      throw new IllegalArgumentException("oneDNN bf16 needs a CPU with AVX512-BF16 or AMX; oneDNN dispatches to " + dnnl.isaName()
          + " here (use onednn.precision=f32)");
    }
    int capacity;
    try {
      capacity = Integer.parseInt(options.property(CACHE_PROPERTY).orElse(String.valueOf(DEFAULT_CACHE_CAPACITY)).strip());
    } catch (NumberFormatException e) {
      super.close();
      throw new IllegalArgumentException(CACHE_PROPERTY + " must be an integer, got " + options.property(CACHE_PROPERTY).orElse(""));
    }
    if (capacity < 1) {
      super.close();
      throw new IllegalArgumentException(CACHE_PROPERTY + " must be >= 1, got " + capacity);
    }
    this.engine = new DnnlEngine(dnnl, threads(), capacity);
    this.kernels = new DnnlKernels(engine, precision == Precision.BF16);
  }

  @Override
  public String description() {
    return "onednn (oneDNN " + dnnl.version() + ", " + dnnl.isaName() + ", " + precision.name().toLowerCase(java.util.Locale.ROOT) + ", "
        + threads() + " threads" + (dnnl.controlsThreads() ? "" : " (thread count not controllable: " + dnnl.runtimeName() + ")")
        + "; other kernels: java" + (vectorized() ? " SIMD" : " scalar") + ")";
  }

  @Override
  public Set<Capability> capabilities() {
    EnumSet<Capability> caps = EnumSet.of(Capability.FUSED_LINEAR, Capability.FUSED_ATTENTION);
    caps.addAll(super.capabilities());
    return caps;
  }

  /**
   * The row kernels run on the calling thread: after each primitive oneDNN's OpenMP threads busy-wait for the next
   * one (that keeps back-to-back primitives cheap), and Java workers running meanwhile would compete with them for the
   * cores. Measured inside a forward on 2 cores: add + layer norm ~340 us per call on 2 workers, ~20 us on the caller.
   */
  @Override
  protected int rowKernelThreads() {
    return 1;
  }

  /** The arithmetic of this backend's matrix products. */
  public Precision precision() {
    return precision;
  }

  /** Linear layers multiply in oneDNN, which takes the weight as it is: nothing to pack for the Java GEMM. */
  @Override
  protected boolean packsWeights() {
    return false;
  }

  @Override
  public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
    checkOpen();
    GemmProblem p = GemmProblem.of(a, transA, b, transB, c);
    Tensor opA = transA == Transpose.TRANSPOSE ? a.transpose() : a;
    Tensor opB = transB == Transpose.TRANSPOSE ? b.transpose() : b;
    if (!counted(kernels.matmul(opA, opB, null, c, new Epilogue(alpha, null, beta, Activation.IDENTITY)))) {
      javaGemm(p, alpha, beta);
    }
  }

  @Override
  public void linear(Tensor x, Tensor weight, Tensor bias, Activation activation, Tensor out) {
    checkOpen();
    KernelChecks.linear(x, weight, bias, activation, out);
    KernelChecks.disjoint("linear", out, "out", x, "x");
    KernelChecks.disjoint("linear", out, "out", weight, "weight");
    if (!counted(kernels.matmul(x, weight.transpose(), bias, out, new Epilogue(1f, null, 0f, activation)))) {
      super.linear(x, weight, bias, activation, out);
    }
  }

  /**
   * In f32, the weight reordered once into the blocked layout oneDNN's matmul chooses for it (its preferred packed
   * layout); in bf16, its bf16 copy. Null when oneDNN keeps the plain f32 layout. Each copy holds native memory of its
   * own, freed when it is closed, when this backend closes, or once it is unreachable.
   */
  @Override
  public PreparedWeight prepareWeight(Tensor weight) {
    super.prepareWeight(weight); // validates; packs nothing for the Java GEMM here
    return kernels.pack(weight);
  }

  @Override
  public void linear(Tensor x, Tensor weight, PreparedWeight prepared, Tensor bias, Activation activation, Tensor out) {
    if (!(prepared instanceof DnnlKernels.PackedWeight packed) || !kernels.owns(packed) || !packed.fits(weight.dim(0), weight.dim(1))) {
      linear(x, weight, bias, activation, out);
      return;
    }
    checkOpen();
    KernelChecks.linear(x, weight, bias, activation, out);
    KernelChecks.disjoint("linear", out, "out", x, "x");
    if (!counted(kernels.linearPacked(x, packed, bias, out, activation))) {
      linear(x, weight, bias, activation, out);
    }
  }

  @Override
  public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    checkOpen();
    KernelChecks.layerNorm(x, gamma, beta, eps);
    if (!counted(kernels.layerNorm(x, gamma, beta, eps))) {
      super.layerNorm(x, gamma, beta, eps);
    }
  }

  @Override
  public void activate(Tensor x, Activation activation) {
    checkOpen();
    KernelChecks.activate(x, activation);
    if (!counted(kernels.activate(x, activation))) {
      super.activate(x, activation);
    }
  }

  /**
   * {@code P = softmax(scale * Q K^T + mask)}, {@code out = P V}: the scale and the mask ride on the first matmul as
   * post-ops, so the scores are written once and read once by oneDNN's softmax. Query rows whose keys the mask
   * removes entirely (oneDNN's softmax makes them NaN) are then set to zero, as the SPI requires.
   */
  @Override
  public void scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale, Tensor out, Tensor probs) {
    checkOpen();
    KernelChecks.attention(q, k, v, mask, scale, out, probs);
    long perItem = (long) Float.BYTES * q.dim(-2) * k.dim(-2) * (q.rank() < 3 ? 1 : q.shape().sub(1, q.rank() - 2).size());
    int items = q.rank() < 3 ? 1 : q.dim(0);
    if (probs != null || items == 1 || perItem * items <= SCORES_CHUNK_BYTES) {
      attention(q, k, v, mask, scale, out, probs);
      return;
    }
    // Whole-batch scores are [batch, heads, Sq, Sk]: 100 MB at 8 x 512 tokens with 12 heads. Scratch that large is
    // allocated, zero-filled and faulted in on every call; a few batch items at a time stay within reused scratch
    // (measured at all-MiniLM 8 x 512: attention 1780 -> ~200 ms per forward, peak RSS 6.1 GB -> under 1 GB).
    int step = (int) Math.max(1, SCORES_CHUNK_BYTES / perItem);
    for (int b = 0; b < items; b += step) {
      int n = Math.min(step, items - b);
      Tensor m = mask == null || mask.rank() < q.rank() || mask.dim(0) == 1 ? mask : mask.slice(0, b, n);
      attention(q.slice(0, b, n), k.slice(0, b, n), v.slice(0, b, n), m, scale, out.slice(0, b, n), null);
    }
  }

  private void attention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale, Tensor out, Tensor probs) {
    Shape scoresShape = q.shape().sub(0, q.rank() - 1).concat(Shape.of(k.dim(-2)));
    Workspace ws = probs == null ? borrowScratch() : null;
    try {
      Tensor scores = probs != null ? probs : ws.allocate(scoresShape);
      if (!counted(kernels.matmul(q, k.transpose(), null, scores, new Epilogue(scale, mask, 0f, Activation.IDENTITY)))) {
        super.scaledDotProductAttention(q, k, v, mask, scale, out, probs);
        return;
      }
      if (!counted(kernels.softmax(scores))) {
        super.softmax(scores, 1f, null);
      }
      long[] masked = fullyMaskedRows(mask, scoresShape);
      zeroRows(scores, masked);
      gemm(1f, scores, Transpose.NONE, v, Transpose.NONE, 0f, out);
      zeroRows(out, masked);
    } finally {
      if (ws != null) {
        giveBackScratch(ws);
      }
    }
  }

  /** Rows of the scores whose mask entries are all {@code -inf}; empty in the usual case, found without expanding. */
  private static long[] fullyMaskedRows(Tensor mask, Shape scoresShape) {
    if (mask == null || !anyRowAllNegInf(mask)) {
      return new long[0];
    }
    Tensor m = mask.expand(scoresShape);
    return java.util.stream.LongStream.range(0, m.rows()).filter(r -> rowAllNegInf(m, r)).toArray();
  }

  private static boolean anyRowAllNegInf(Tensor mask) {
    for (long r = 0; r < mask.rows(); r++) {
      if (rowAllNegInf(mask, r)) {
        return true;
      }
    }
    return false;
  }

  private static boolean rowAllNegInf(Tensor t, long row) {
    MemorySegment s = t.segment();
    long off = t.rowOffset(row);
    long stride = t.rank() == 0 ? 0 : t.stride(-1);
    int n = t.rank() == 0 ? 1 : t.dim(-1);
    for (int j = 0; j < n; j++) {
      if (s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, off + j * stride) != Float.NEGATIVE_INFINITY) {
        return false;
      }
    }
    return true;
  }

  private static void zeroRows(Tensor t, long[] rows) {
    if (rows.length == 0) {
      return;
    }
    MemorySegment s = t.segment();
    for (long r : rows) {
      long off = t.rowOffset(r);
      for (int j = 0; j < t.dim(-1); j++) {
        s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, off + j * t.stride(-1), 0f);
      }
    }
  }

  private boolean counted(boolean ranNatively) {
    (ranNatively ? nativeCalls : javaCalls).increment();
    return ranNatively;
  }

  /** Kernel calls oneDNN served so far. */
  public long nativeCalls() {
    return nativeCalls.sum();
  }

  /** Kernel calls whose operands oneDNN could not take, served by the Java kernels. */
  public long javaFallbackCalls() {
    return javaCalls.sum();
  }

  /** Primitive cache counters. */
  public PrimitiveCacheStats primitiveCacheStats() {
    return engine.cacheStats();
  }

  /** The matmul implementation oneDNN picks for a plain {@code [m, k] x [k, n]} product, e.g. {@code brg_matmul:avx512_core}. */
  public String matmulImplementation(int m, int n, int k) {
    checkOpen();
    return kernels.matmulImplementation(m, n, k);
  }

  /** {@code dnnl_version()}. */
  public String oneDnnVersion() {
    return dnnl.version();
  }

  /** The CPU ISA oneDNN dispatches to ({@code dnnl_get_effective_cpu_isa}). */
  public String cpuIsa() {
    return dnnl.isaName();
  }

  /** Bytes of native memory held by this backend's prepared weights ({@link #prepareWeight}) not yet freed. */
  public long preparedWeightBytes() {
    return kernels.preparedBytes();
  }

  /** Where the library was loaded from. */
  public String librarySource() {
    return dnnl.library().describe();
  }

  @Override
  public void close() {
    try {
      kernels.close();
      engine.close();
    } finally {
      super.close();
    }
  }
}
