package dev.attn4j.backend.onednn.internal;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.PreparedWeight;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.function.Supplier;

/**
 * The kernels oneDNN runs for the backend: matmul with fused epilogues, softmax, layer normalization and
 * element-wise activations. Each returns {@code false}, having touched nothing, when oneDNN cannot take the
 * operands (heap memory, a broadcast axis it cannot express, more than 12 axes, an empty tensor, or no oneDNN
 * implementation for the layout); the backend then runs its Java kernel. Arguments are already validated by
 * the SPI checks; this class re-checks that every descriptor stays inside its tensor's memory before any call.
 *
 * <p>Thread-safe.
 */
public final class DnnlKernels {
  /** Frees the memory of prepared weights that became unreachable unclosed. */
  private static final Cleaner CLEANER = Cleaner.create();

  private final DnnlEngine engine;
  private final Dnnl dnnl;
  /** Marks the prepared weights made here: their descriptors live and die with these kernels. */
  private final Object owner = new Object();
  private final boolean bf16;
  /** The memory of every prepared weight not yet freed, one arena each with its bytes; all freed at {@link #close()}. */
  private final Map<Arena, Long> preparedArenas = new ConcurrentHashMap<>();
  /** Blocked weights descriptors by {@code "KxN"} (null: oneDNN offered none), destroyed at {@link #close()}. */
  private final Map<String, MemorySegment> packedMds = new HashMap<>();

  /** Kernels on {@code engine}; {@code bf16} makes matmuls take bfloat16 copies of their operands and accumulate in float32. */
  public DnnlKernels(DnnlEngine engine, boolean bf16) {
    this.engine = engine;
    this.dnnl = engine.dnnl();
    this.bf16 = bf16;
  }

  /**
   * What runs after a matmul's accumulation, in this order: multiply by {@code scale}; add {@code addend}
   * (broadcast); add {@code sum} times the previous destination; apply {@code activation}.
   */
  public record Epilogue(float scale, Tensor addend, float sum, Activation activation) {
    /** No epilogue: the plain product. */
    public static final Epilogue NONE = new Epilogue(1f, null, 0f, Activation.IDENTITY);
  }

  /**
   * {@code c = epilogue(opA x opB + bias)} over broadcast batch axes, {@code opA [..., m, k]}, {@code opB [..., k, n]},
   * {@code c [..., m, n]}, {@code bias [n]} or null. In bf16 mode both operands are converted to bf16 for the call.
   */
  public boolean matmul(Tensor opA, Tensor opB, Tensor bias, Tensor c, Epilogue epilogue) {
    int alg = eltwiseAlg(epilogue.activation());
    if (alg == NOT_NATIVE) {
      return false;
    }
    int rank = c.rank();
    Layout src;
    Layout wei;
    Layout dst;
    Layout rowsA = opB.rank() == 2 && rank > 2 ? Layout.rows(opA) : null;
    Layout rowsC = rowsA == null ? null : Layout.rows(c);
    Layout addend = null;
    if (rowsA != null && rowsC != null && rowsA.dims()[0] == rowsC.dims()[0] && epilogue.addend() == null && opA.rank() == rank) {
      // A weight shared by every batch entry over merged rows: one 2-D product, so every batch size and sequence
      // length with the same row count reuses one primitive and oneDNN sees the whole M at once.
      src = rowsA;
      dst = rowsC;
      wei = Layout.of(opB, 2, 2);
    } else {
      src = Layout.of(opA, rank, 2);
      wei = Layout.of(opB, rank, 2);
      dst = Layout.of(c, rank, 2);
    }
    if (epilogue.addend() != null) {
      addend = Layout.of(epilogue.addend(), dst == null ? rank : dst.rank(), 0);
      if (addend == null) {
        return false;
      }
    }
    if (dst != null && dst.rank() > 2 && batchOf(dst) > 1 && (c.dim(-2) == 1 || c.dim(-1) == 1 || opA.dim(-1) == 1)) {
      // Batched products with a size-1 matrix axis (attention over one token): brg_matmul in oneDNN 3.13 computed
      // wrong values for [B>1, H, 1, D] x [B, H, D, 1] head views in our tests; they are tiny, so Java takes them.
      return false;
    }
    if (src == null || wei == null || dst == null || !covers(src, opA) || !covers(wei, opB) || !covers(dst, c)
        || (bias != null && (bias.stride(0) != 1 || !isNative(bias))) || (addend != null && !covers(addend, epilogue.addend()))) {
      return false;
    }
    Layout biasLayout = bias == null ? null : new Layout(new long[] {bias.dim(0)}, new long[] {1}).padTo(dst.rank());
    Layout w = wei.padTo(dst.rank());
    try {
      if (!bf16) {
        run(src, Dnnl.DT_F32, opA.segment(), w, Dnnl.DT_F32, opB.segment(), biasLayout, bias, dst, c, addend, epilogue, alg);
        return true;
      }
      // bf16: both operands become dense bf16 copies; products accumulate in f32 into the f32 destination.
      try (Arena tmp = Arena.ofConfined()) {
        MemorySegment a = toBf16(opA.segment(), src, tmp);
        MemorySegment b = toBf16(opB.segment(), w, tmp);
        run(src.dense(), Dnnl.DT_BF16, a, w.dense(), Dnnl.DT_BF16, b, biasLayout, bias, dst, c, addend, epilogue, alg);
      }
      return true;
    } catch (Unsupported e) {
      return false;
    }
  }

  private void run(Layout s, int sType, MemorySegment sData, Layout w, int wType, MemorySegment wData, Layout biasLayout, Tensor bias,
      Layout d, Tensor c, Layout add, Epilogue epilogue, int alg) {
    run(s, sType, sData, w, wType, wData, null, biasLayout, bias, d, c, add, epilogue, alg);
  }

  /** As above; {@code packedMd}, when not null, is the (blocked) weights descriptor to use instead of {@code w}'s strides. */
  private void run(Layout s, int sType, MemorySegment sData, Layout w, int wType, MemorySegment wData, MemorySegment packedMd,
      Layout biasLayout, Tensor bias, Layout d, Tensor c, Layout add, Epilogue epilogue, int alg) {
    StringBuilder key = new StringBuilder(packedMd == null ? "matmul" : "matmul-packed").append(sType).append(wType);
    for (Layout l : new Layout[] {s, w, biasLayout, d, add}) {
      key.append('|');
      if (l != null) {
        l.appendKey(key);
      }
    }
    key.append('|').append(epilogue.scale()).append('|').append(epilogue.sum()).append('|').append(alg);
    Optional<Primitive> p = engine.primitive(key.toString(), () -> create(owned -> {
      MemorySegment srcMd = md(s, sType, owned);
      MemorySegment weiMd = packedMd != null ? packedMd : md(w, wType, owned);
      MemorySegment biasMd = biasLayout == null ? null : md(biasLayout, Dnnl.DT_F32, owned);
      MemorySegment dstMd = md(d, Dnnl.DT_F32, owned);
      PostOps ops = new PostOps();
      if (epilogue.scale() != 1f) {
        ops.add(new PostOps.Eltwise(Dnnl.ELTWISE_LINEAR, epilogue.scale(), 0f));
      }
      MemorySegment addMd = add == null ? null : md(add, Dnnl.DT_F32, owned);
      if (addMd != null) {
        ops.add(new PostOps.BinaryAdd(addMd));
      }
      if (epilogue.sum() != 0f) {
        ops.add(new PostOps.Sum(epilogue.sum()));
      }
      if (alg != NO_ALG) {
        ops.add(new PostOps.Eltwise(alg, 0f, 0f));
      }
      MemorySegment pd = withAttr(ops, attr -> dnnl.matmulPd(engine.handle(), srcMd, weiMd, biasMd, dstMd, attr));
      if (pd == null) {
        return null;
      }
      List<Integer> ids = new ArrayList<>(List.of(Dnnl.ARG_SRC, Dnnl.ARG_WEIGHTS));
      List<MemorySegment> mds = new ArrayList<>(List.of(srcMd, weiMd));
      if (biasMd != null) {
        ids.add(Dnnl.ARG_BIAS);
        mds.add(biasMd);
      }
      ids.add(Dnnl.ARG_DST);
      mds.add(dstMd);
      if (addMd != null) {
        ids.add(Dnnl.ARG_POST_OP_BASE * (ops.binaryIndex() + 1) | Dnnl.ARG_SRC_1);
        mds.add(addMd);
      }
      return new Primitive(dnnl, pd, ids.stream().mapToInt(Integer::intValue).toArray(), mds.toArray(MemorySegment[]::new), owned);
    }));
    if (p.isEmpty()) {
      // Checked before any conversion in f32; in bf16 mode the f32 fallback computes the same product, more exactly.
      throw new Unsupported();
    }
    List<MemorySegment> data = new ArrayList<>(List.of(sData, wData));
    if (bias != null) {
      data.add(bias.segment());
    }
    data.add(c.segment());
    if (add != null) {
      data.add(epilogue.addend().segment());
    }
    engine.executeAndRelease(p.get(), data.toArray(MemorySegment[]::new));
  }

  /** oneDNN has no matmul implementation for the layouts: the caller falls back to Java. */
  private static final class Unsupported extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unsupported() {
      super(null, null, false, false);
    }
  }

  /**
   * A layer weight {@code [n, k]} converted once for this backend's matmuls: in f32, reordered into the blocked layout
   * oneDNN's matmul picks for it when asked to choose ({@code format_tag_any}, probed with 128 rows), so no call reads
   * it through strides again; in bf16, its dense bfloat16 transpose. Holds its own native memory, freed by
   * {@link #close()}, by the backend's close, or once unreachable. Immutable; thread-safe (matmuls only read it).
   */
  public static final class PackedWeight implements PreparedWeight {
    private final MemorySegment data;
    /** The blocked weights descriptor (f32), or null: {@link #layout} is then the data's dense layout (bf16). */
    private final MemorySegment md;
    /** The {@code [k, n]} layout matmuls key their primitive by, or read the data through when {@code md} is null. */
    private final Layout layout;
    private final int type;
    private final long n;
    private final long k;
    private final Object owner;
    private final Cleaner.Cleanable free;

    PackedWeight(Object owner, MemorySegment data, MemorySegment md, Layout layout, int type, long n, long k, Runnable free) {
      this.owner = owner;
      this.data = data;
      this.md = md;
      this.layout = layout;
      this.type = type;
      this.n = n;
      this.k = k;
      // The action references the arena, never this object, so an unreachable copy can still be freed.
      this.free = CLEANER.register(this, free);
    }

    /** Whether this packs a {@code [n, k]} weight. */
    public boolean fits(long n, long k) {
      return this.n == n && this.k == k;
    }

    @Override
    public long bytes() {
      return data.byteSize();
    }

    @Override
    public void close() {
      free.clean();
    }
  }

  /** Rows oneDNN is asked about when it picks a weight layout: an encoder's usual 128-token batch. */
  private static final long PROBE_ROWS = 128;

  /**
   * {@code weight [n, k]} prepared for linear layers (f32: packed; bf16: converted), or null when oneDNN keeps the
   * plain f32 layout or cannot take the weight.
   */
  public PackedWeight pack(Tensor weight) {
    if (!isNative(weight)) {
      return null;
    }
    Layout plain = Layout.of(weight.transpose(), 2, 2);
    if (plain == null || !covers(plain, weight)) {
      return null;
    }
    long n = weight.dim(0);
    long k = weight.dim(1);
    if (bf16) {
      Layout dense = plain.dense();
      try {
        return prepared(dense.size() * 2, null, dense, Dnnl.DT_BF16, n, k, data -> convertBf16(weight.segment(), plain, data));
      } catch (Unsupported e) {
        return null;
      }
    }
    MemorySegment blocked = blockedWeightsMd(k, n);
    if (blocked == null) {
      return null;
    }
    Optional<Primitive> reorder = engine.primitive("reorder-pack|" + key(plain) + "|" + k + "x" + n, () -> create(owned -> {
      MemorySegment from = md(plain, Dnnl.DT_F32, owned);
      MemorySegment pd = withAttr(null, attr -> dnnl.reorderPd(engine.handle(), from, blocked, attr));
      return pd == null ? null : new Primitive(dnnl, pd, new int[] {Dnnl.ARG_SRC, Dnnl.ARG_DST}, new MemorySegment[] {from, blocked}, owned);
    }));
    if (reorder.isEmpty()) {
      return null;
    }
    // The key names the layout by shape: blockedWeightsMd gives one descriptor per [k, n].
    Layout keyLayout = new Layout(new long[] {k, n}, new long[] {0, 0});
    return prepared(dnnl.mdSize(blocked), blocked, keyLayout, Dnnl.DT_F32, n, k,
        data -> engine.executeAndRelease(reorder.get(), weight.segment(), data));
  }

  /** A prepared weight in a new arena of its own (one backend may serve many models, each freed on its own). */
  private PackedWeight prepared(long bytes, MemorySegment md, Layout layout, int type, long n, long k,
      Consumer<MemorySegment> fill) {
    Arena arena = Arena.ofShared();
    preparedArenas.put(arena, bytes);
    Runnable free = () -> free(arena);
    try {
      MemorySegment data = arena.allocate(bytes, 64);
      fill.accept(data);
      return new PackedWeight(owner, data, md, layout, type, n, k, free);
    } catch (RuntimeException | Error e) {
      free.run();
      throw e;
    }
  }

  /** Frees a prepared weight's arena once, whoever asks first: its close, the cleaner, or the backend's close. */
  private void free(Arena arena) {
    Long bytes = preparedArenas.remove(arena);
    if (bytes != null) {
      try {
        arena.close();
      } catch (IllegalStateException inUse) {
        // A call on another thread still reads it: keep it accounted for, and freeable by a later close.
        preparedArenas.put(arena, bytes);
        throw inUse;
      }
    }
  }

  /** Whether {@code w} was prepared by these kernels (another backend's copy refers to that backend's descriptors). */
  public boolean owns(PackedWeight w) {
    return w.owner == owner;
  }

  /** Bytes held by this backend's prepared weights not yet freed. */
  public long preparedBytes() {
    return preparedArenas.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The weights layout oneDNN chooses for a {@code [rows, k] x [k, n]} f32 matmul; one descriptor per shape, kept until close. */
  private MemorySegment blockedWeightsMd(long k, long n) {
    synchronized (packedMds) {
      String key = k + "x" + n;
      if (packedMds.containsKey(key)) {
        return packedMds.get(key);
      }
      MemorySegment chosen = null;
      List<MemorySegment> owned = new ArrayList<>();
      try {
        MemorySegment src = md(new Layout(new long[] {PROBE_ROWS, k}, new long[] {k, 1}), Dnnl.DT_F32, owned);
        MemorySegment any = dnnl.mdCreateAny(new long[] {k, n}, Dnnl.DT_F32);
        owned.add(any);
        MemorySegment dst = md(new Layout(new long[] {PROBE_ROWS, n}, new long[] {n, 1}), Dnnl.DT_F32, owned);
        MemorySegment pd = withAttr(null, attr -> dnnl.matmulPd(engine.handle(), src, any, null, dst, attr));
        if (pd != null) {
          try {
            chosen = dnnl.mdClone(dnnl.weightsMd(pd));
          } finally {
            dnnl.pdDestroy(pd);
          }
        }
      } finally {
        owned.forEach(dnnl::mdDestroy);
      }
      packedMds.put(key, chosen);
      return chosen;
    }
  }

  /**
   * {@code out = act(x W^T + bias)} with {@code W} packed by {@link #pack}: {@code x [..., k]} and {@code out [..., n]}
   * as merged rows. Returns false, having touched nothing, when oneDNN has no implementation for this row count with
   * the packed layout, or the operands are not plain rows.
   */
  public boolean linearPacked(Tensor x, PackedWeight w, Tensor bias, Tensor out, Activation activation) {
    int alg = eltwiseAlg(activation);
    Layout src = Layout.rows(x);
    Layout dst = Layout.rows(out);
    if (alg == NOT_NATIVE || src == null || dst == null || src.rank() != 2 || dst.rank() != 2 || !covers(src, x) || !covers(dst, out)
        || (bias != null && (bias.stride(0) != 1 || !isNative(bias)))) {
      return false;
    }
    Layout biasLayout = bias == null ? null : new Layout(new long[] {bias.dim(0)}, new long[] {1}).padTo(2);
    Epilogue epilogue = new Epilogue(1f, null, 0f, activation);
    if (!w.data.scope().isAlive()) {
      throw new IllegalStateException("prepared weight [" + w.n + ", " + w.k + "] used after it was closed (or its backend was)");
    }
    try {
      if (w.type == Dnnl.DT_F32) {
        run(src, Dnnl.DT_F32, x.segment(), w.layout, Dnnl.DT_F32, w.data, w.md, biasLayout, bias, dst, out, null, epilogue, alg);
      } else {
        try (Arena tmp = Arena.ofConfined()) {
          MemorySegment a = toBf16(x.segment(), src, tmp);
          run(src.dense(), Dnnl.DT_BF16, a, w.layout, Dnnl.DT_BF16, w.data, null, biasLayout, bias, dst, out, null, epilogue, alg);
        }
      }
      return true;
    } catch (Unsupported e) {
      return false;
    }
  }

  /** A dense bf16 copy of the f32 data {@code l} describes, in {@code arena}. */
  private MemorySegment toBf16(MemorySegment data, Layout l, Arena arena) {
    MemorySegment out = arena.allocate(l.dense().size() * 2, 64);
    convertBf16(data, l, out);
    return out;
  }

  /** Writes the f32 data {@code l} describes into {@code out} as dense bf16. */
  private void convertBf16(MemorySegment data, Layout l, MemorySegment out) {
    Layout dense = l.dense();
    Optional<Primitive> p = engine.primitive("reorder-bf16|" + key(l), () -> create(owned -> {
      MemorySegment from = md(l, Dnnl.DT_F32, owned);
      MemorySegment to = md(dense, Dnnl.DT_BF16, owned);
      MemorySegment pd = withAttr(null, attr -> dnnl.reorderPd(engine.handle(), from, to, attr));
      return pd == null ? null : new Primitive(dnnl, pd, new int[] {Dnnl.ARG_SRC, Dnnl.ARG_DST}, new MemorySegment[] {from, to}, owned);
    }));
    engine.executeAndRelease(p.orElseThrow(Unsupported::new), data, out);
  }

  /** Frees every prepared weight not yet freed, then the blocked weights descriptors. */
  public void close() {
    preparedArenas.keySet().forEach(this::free);
    synchronized (packedMds) {
      packedMds.values().stream().filter(java.util.Objects::nonNull).forEach(dnnl::mdDestroy);
      packedMds.clear();
    }
  }

  /** In place over the last axis: {@code x = softmax(x)}. A row of only {@code -inf} becomes NaN here. */
  public boolean softmax(Tensor x) {
    Layout l = rowsOrFull(x);
    if (l == null) {
      return false;
    }
    return inPlace("softmax|" + key(l), x, l, (md, attr) -> dnnl.softmaxPd(engine.handle(), md, l.rank() - 1, attr));
  }

  /** In place over the last axis: {@code x = (x - mean) / sqrt(var + eps) * gamma + beta}. */
  public boolean layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    Layout l = rowsOrFull(x);
    if (l == null || l.rank() > 5 || gamma.stride(0) != 1 || beta.stride(0) != 1 || !isNative(gamma) || !isNative(beta)) {
      return false;
    }
    long n = x.dim(-1);
    Optional<Primitive> p = engine.primitive("layernorm|" + key(l) + "|" + eps, () -> create(owned -> {
      MemorySegment md = md(l, owned);
      MemorySegment vec = dnnl.mdCreateVector(n, Dnnl.DT_F32);
      owned.add(vec);
      MemorySegment pd = withAttr(null, attr -> dnnl.layerNormPd(engine.handle(), md, eps, attr));
      return pd == null ? null : new Primitive(dnnl, pd, new int[] {Dnnl.ARG_SRC, Dnnl.ARG_DST, Dnnl.ARG_SCALE, Dnnl.ARG_SHIFT},
          new MemorySegment[] {md, md, vec, vec}, owned);
    }));
    if (p.isEmpty()) {
      return false;
    }
    MemorySegment xs = x.segment();
    engine.executeAndRelease(p.get(), xs, xs, gamma.segment(), beta.segment());
    return true;
  }

  /** In place: {@code x = activation(x)}. */
  public boolean activate(Tensor x, Activation activation) {
    int alg = eltwiseAlg(activation);
    if (alg == NO_ALG) {
      return true;
    }
    if (alg == NOT_NATIVE) {
      return false;
    }
    Layout l = rowsOrFull(x);
    if (l == null) {
      return false;
    }
    return inPlace("eltwise" + alg + "|" + key(l), x, l, (md, attr) -> dnnl.eltwisePd(engine.handle(), alg, md, 0f, 0f, attr));
  }

  /** The implementation oneDNN picks for a plain {@code [m, k] x [k, n]} product in this precision, e.g. {@code brg_matmul:avx512_core}. */
  public String matmulImplementation(int m, int n, int k) {
    List<MemorySegment> owned = new ArrayList<>();
    try {
      int type = bf16 ? Dnnl.DT_BF16 : Dnnl.DT_F32;
      MemorySegment a = md(new Layout(new long[] {m, k}, new long[] {k, 1}), type, owned);
      MemorySegment b = md(new Layout(new long[] {k, n}, new long[] {n, 1}), type, owned);
      MemorySegment c = md(new Layout(new long[] {m, n}, new long[] {n, 1}), owned);
      MemorySegment attr = attrNone();
      try {
        MemorySegment pd = dnnl.matmulPd(engine.handle(), a, b, null, c, attr);
        if (pd == null) {
          return "none";
        }
        try {
          return dnnl.implInfo(pd);
        } finally {
          dnnl.pdDestroy(pd);
        }
      } finally {
        dnnl.attrDestroy(attr);
      }
    } finally {
      owned.forEach(dnnl::mdDestroy);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private interface PdFactory {
    MemorySegment create(MemorySegment md, MemorySegment attr);
  }

  private interface PrimitiveFactory {
    Primitive create(List<MemorySegment> owned);
  }

  /** Runs a factory that records the descriptors it creates, destroying them if it fails or finds no implementation. */
  private Primitive create(PrimitiveFactory factory) {
    List<MemorySegment> owned = new ArrayList<>();
    try {
      Primitive p = factory.create(owned);
      if (p == null) {
        owned.forEach(dnnl::mdDestroy);
      }
      return p;
    } catch (RuntimeException e) {
      owned.forEach(dnnl::mdDestroy);
      throw e;
    }
  }

  private boolean inPlace(String key, Tensor x, Layout l, PdFactory pdFactory) {
    Supplier<Primitive> factory = () -> create(owned -> {
      MemorySegment md = md(l, owned);
      MemorySegment pd = withAttr(null, attr -> pdFactory.create(md, attr));
      return pd == null ? null : new Primitive(dnnl, pd, new int[] {Dnnl.ARG_SRC, Dnnl.ARG_DST}, new MemorySegment[] {md, md}, owned);
    });
    Optional<Primitive> p = engine.primitive(key, factory);
    if (p.isEmpty()) {
      return false;
    }
    MemorySegment xs = x.segment();
    engine.executeAndRelease(p.get(), xs, xs);
    return true;
  }

  /** A fresh attribute with only the user scratchpad. */
  private MemorySegment attrNone() {
    return dnnl.attrCreate(null);
  }

  /** Creates a primitive descriptor with a temporary attribute (user scratchpad, {@code ops}), destroyed afterwards. */
  private MemorySegment withAttr(PostOps ops, UnaryOperator<MemorySegment> createPd) {
    MemorySegment attr = dnnl.attrCreate(ops);
    try {
      return createPd.apply(attr);
    } finally {
      dnnl.attrDestroy(attr);
    }
  }

  private MemorySegment md(Layout l, List<MemorySegment> owned) {
    return md(l, Dnnl.DT_F32, owned);
  }

  private MemorySegment md(Layout l, int dataType, List<MemorySegment> owned) {
    MemorySegment md = dnnl.mdCreate(l.dims(), l.strides(), dataType);
    owned.add(md);
    return md;
  }

  private static long batchOf(Layout l) {
    long n = 1;
    for (int i = 0; i < l.rank() - 2; i++) {
      n *= l.dims()[i];
    }
    return n;
  }

  /** A row-wise operand's layout: merged rows when possible (fewer distinct primitives), else all its axes. */
  private static Layout rowsOrFull(Tensor x) {
    Layout l = x.rank() >= 2 ? Layout.rows(x) : null;
    if (l == null) {
      l = Layout.of(x, x.rank(), x.rank());
    }
    return l != null && covers(l, x) ? l : null;
  }

  /** Whether {@code t} is native memory that holds every element {@code l} addresses. */
  private static boolean covers(Layout l, Tensor t) {
    return isNative(t) && l.span() <= t.segment().byteSize() / Float.BYTES;
  }

  private static boolean isNative(Tensor t) {
    return t.segment().isNative();
  }

  private static String key(Layout l) {
    StringBuilder b = new StringBuilder();
    l.appendKey(b);
    return b.toString();
  }

  /** No activation. */
  private static final int NO_ALG = -1;
  /** An activation oneDNN computes differently from the SPI. */
  private static final int NOT_NATIVE = -2;

  private static int eltwiseAlg(Activation a) {
    return switch (a) {
      case IDENTITY -> NO_ALG;
      // oneDNN's relu maps NaN to 0; the SPI keeps NaN (a NaN must not be laundered into a plausible number).
      case RELU -> NOT_NATIVE;
      case GELU -> Dnnl.ELTWISE_GELU_ERF;
      case GELU_TANH -> Dnnl.ELTWISE_GELU_TANH;
    };
  }
}
