package dev.attn4j.api.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A dense float32 tensor: a shape, per-axis strides (in elements) and an offset into a
 * {@link MemorySegment}. Views ({@link #slice}, {@link #select}, {@link #reshape}, {@link #transpose()},
 * {@link #permute}, {@link #expand}) share memory with the tensor they come from.
 *
 * <p>Memory is owned by the {@link TensorScope} that allocated the tensor (or, for
 * {@link TensorScope#wrap wrapped} memory, by the segment's owner). Using a tensor after its scope
 * is closed throws {@link IllegalStateException}.
 *
 * <p>A tensor is a view, not a lock: it is safe to read one from several threads at once; concurrent
 * writes to overlapping elements need external synchronization, as with arrays.
 *
 * <p>Stability: stable since 0.1.
 */
public final class Tensor {
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

  private final TensorScope scope;
  private final MemorySegment base;
  private final long offset;
  private final Shape shape;
  private final long[] strides;

  private Tensor(TensorScope scope, MemorySegment base, long offset, Shape shape, long[] strides) {
    this.scope = scope;
    this.base = base;
    this.offset = offset;
    this.shape = shape;
    this.strides = strides;
  }

  static Tensor dense(TensorScope scope, MemorySegment base, Shape shape) {
    return new Tensor(scope, base, 0, shape, denseStrides(shape));
  }

  private static long[] denseStrides(Shape shape) {
    long[] s = new long[shape.rank()];
    long acc = 1;
    for (int i = s.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape.dim(i);
    }
    return s;
  }

  /** The shape. */
  public Shape shape() {
    return shape;
  }

  /** Number of axes. */
  public int rank() {
    return shape.rank();
  }

  /** Size of {@code axis}; negative axes count from the end. */
  public int dim(int axis) {
    return shape.dim(axis);
  }

  /** Number of elements. */
  public long size() {
    return shape.size();
  }

  /** Stride of {@code axis} in elements (0 for a broadcast axis); negative axes count from the end. */
  public long stride(int axis) {
    return strides[shape.axis(axis)];
  }

  /** A copy of the strides, in elements. */
  public long[] strides() {
    return strides.clone();
  }

  /** Whether the elements are laid out densely in row-major order (no gaps, no broadcast). */
  public boolean isContiguous() {
    return Arrays.equals(strides, denseStrides(shape)) || shape.size() <= 1;
  }

  /** Whether the tensor's memory is still accessible. */
  public boolean isAlive() {
    return scope.isOpen() && base.scope().isAlive();
  }

  /** Throws a clear {@link IllegalStateException} if the tensor's memory has been freed. */
  public void checkAlive() {
    if (!isAlive()) {
      throw new IllegalStateException("tensor " + shape + " used after its TensorScope was closed");
    }
  }

  /**
   * The memory this tensor addresses: element {@code (i0, i1, ...)} is the float at byte
   * {@code 4 * (i0*stride(0) + i1*stride(1) + ...)} of the returned segment, which spans exactly from
   * the first to the last addressed element.
   */
  public MemorySegment segment() {
    checkAlive();
    return base.asSlice(offset * Float.BYTES, span() * Float.BYTES);
  }

  /** Number of elements between the first and the last addressed element, inclusive (0 when empty). */
  public long span() {
    if (shape.size() == 0) {
      return 0;
    }
    long last = 0;
    for (int i = 0; i < strides.length; i++) {
      last += (shape.dim(i) - 1L) * strides[i];
    }
    return last + 1;
  }

  /** The scope that owns this tensor's lifetime. */
  public TensorScope scope() {
    return scope;
  }

  // ---- views ---------------------------------------------------------------------------------

  /** The view of {@code length} entries of {@code axis} starting at {@code start}. */
  public Tensor slice(int axis, int start, int length) {
    int a = shape.axis(axis);
    if (start < 0 || length < 0 || (long) start + length > shape.dim(a)) {
      throw new IndexOutOfBoundsException("slice [" + start + ", " + ((long) start + length) + ") out of range for axis " + a
          + " of size " + shape.dim(a) + " in " + shape);
    }
    int[] d = shape.toArray();
    d[a] = length;
    return new Tensor(scope, base, offset + start * strides[a], Shape.of(d), strides);
  }

  /** The view at {@code index} along {@code axis}, with that axis removed. */
  public Tensor select(int axis, int index) {
    int a = shape.axis(axis);
    if (index < 0 || index >= shape.dim(a)) {
      throw new IndexOutOfBoundsException("index " + index + " out of range for axis " + a + " of size " + shape.dim(a) + " in " + shape);
    }
    int[] d = shape.toArray();
    int[] nd = new int[d.length - 1];
    long[] ns = new long[d.length - 1];
    for (int i = 0, j = 0; i < d.length; i++) {
      if (i != a) {
        nd[j] = d[i];
        ns[j++] = strides[i];
      }
    }
    return new Tensor(scope, base, offset + index * strides[a], Shape.of(nd), ns);
  }

  /**
   * The same elements in row-major order under a new shape. One dimension may be {@code -1} (inferred).
   *
   * @throws IllegalArgumentException if the sizes differ or this tensor is not contiguous
   */
  public Tensor reshape(int... dims) {
    int[] d = dims.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < d.length; i++) {
      if (d[i] == -1 && infer < 0) {
        infer = i;
      } else {
        if (d[i] < 0) {
          throw new IllegalArgumentException("invalid dimension " + d[i] + " in reshape " + Arrays.toString(dims));
        }
        known *= d[i];
      }
    }
    if (infer >= 0) {
      if (known == 0 || shape.size() % known != 0) {
        throw new IllegalArgumentException("cannot reshape " + shape + " to " + Arrays.toString(dims));
      }
      d[infer] = Math.toIntExact(shape.size() / known);
    }
    Shape s = Shape.of(d);
    if (s.size() != shape.size()) {
      throw new IllegalArgumentException("cannot reshape " + shape + " (" + shape.size() + " elements) to " + s + " (" + s.size() + " elements)");
    }
    if (!isContiguous()) {
      throw new IllegalArgumentException("cannot reshape a non-contiguous view " + describe() + "; copy it first");
    }
    return new Tensor(scope, base, offset, s, denseStrides(s));
  }

  /** The same elements under a new shape; see {@link #reshape(int...)}. */
  public Tensor reshape(Shape s) {
    return reshape(s.toArray());
  }

  /** The view with the last two axes swapped (a matrix transpose, batched). */
  public Tensor transpose() {
    if (rank() < 2) {
      throw new IllegalArgumentException("transpose needs rank >= 2, got " + shape);
    }
    int[] order = new int[rank()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    order[rank() - 2] = rank() - 1;
    order[rank() - 1] = rank() - 2;
    return permute(order);
  }

  /** The view whose axis {@code i} is this tensor's axis {@code order[i]}. */
  public Tensor permute(int... order) {
    if (order.length != rank()) {
      throw new IllegalArgumentException("permutation " + Arrays.toString(order) + " does not match rank " + rank() + " of " + shape);
    }
    boolean[] seen = new boolean[order.length];
    int[] d = new int[order.length];
    long[] s = new long[order.length];
    for (int i = 0; i < order.length; i++) {
      int a = order[i];
      if (a < 0 || a >= order.length || seen[a]) {
        throw new IllegalArgumentException("not a permutation of the axes of " + shape + ": " + Arrays.toString(order));
      }
      seen[a] = true;
      d[i] = shape.dim(a);
      s[i] = strides[a];
    }
    return new Tensor(scope, base, offset, Shape.of(d), s);
  }

  /**
   * The read view broadcast to {@code target} (NumPy rules: axes aligned from the right; an axis of size 1
   * or a missing leading axis repeats with stride 0). Writing through a broadcast view is undefined.
   */
  public Tensor expand(Shape target) {
    if (target.rank() < rank()) {
      throw new IllegalArgumentException("cannot broadcast " + shape + " to lower-rank " + target);
    }
    long[] s = new long[target.rank()];
    int lead = target.rank() - rank();
    for (int i = 0; i < target.rank(); i++) {
      if (i < lead) {
        s[i] = 0;
        continue;
      }
      int mine = shape.dim(i - lead);
      if (mine == target.dim(i)) {
        s[i] = strides[i - lead];
      } else if (mine == 1) {
        s[i] = 0;
      } else {
        throw new IllegalArgumentException("cannot broadcast " + shape + " to " + target + " (axis " + i + ": " + mine + " vs " + target.dim(i) + ")");
      }
    }
    return new Tensor(scope, base, offset, target, s);
  }

  // ---- element access ------------------------------------------------------------------------

  /** Element offset (relative to {@link #segment()}) of the given index. */
  public long offsetOf(int... index) {
    if (index.length != rank()) {
      throw new IllegalArgumentException("index " + Arrays.toString(index) + " has " + index.length + " axes; tensor " + shape + " has " + rank());
    }
    long off = 0;
    for (int i = 0; i < index.length; i++) {
      if (index[i] < 0 || index[i] >= shape.dim(i)) {
        throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " out of bounds for " + shape);
      }
      off += index[i] * strides[i];
    }
    return off;
  }

  /** The element at {@code index}. */
  public float get(int... index) {
    checkAlive();
    return base.get(F32, (offset + offsetOf(index)) * Float.BYTES);
  }

  /** Sets the element at {@code index}. */
  public void set(float value, int... index) {
    checkAlive();
    base.set(F32, (offset + offsetOf(index)) * Float.BYTES, value);
  }

  /** Number of rows when the last axis is a row: the product of all other dimensions (1 for rank 0 or 1). */
  public long rows() {
    long n = 1;
    for (int i = 0; i < rank() - 1; i++) {
      n *= shape.dim(i);
    }
    return n;
  }

  /** Element offset (relative to {@link #segment()}) of the first element of row {@code row} (see {@link #rows()}). */
  public long rowOffset(long row) {
    long off = 0;
    long r = row;
    for (int i = rank() - 2; i >= 0; i--) {
      int d = shape.dim(i);
      off += (r % d) * strides[i];
      r /= d;
    }
    return off;
  }

  /** Copies {@code data} (row-major, exactly {@link #size()} values) into this tensor. */
  public void copyFrom(float[] data) {
    checkAlive();
    if (data.length != shape.size()) {
      throw new IllegalArgumentException("array of " + data.length + " floats does not match tensor " + shape + " of " + shape.size() + " elements");
    }
    if (isContiguous()) {
      MemorySegment.copy(data, 0, base, F32, offset * Float.BYTES, data.length);
      return;
    }
    MemorySegment seg = segment();
    forEachElement((i, off) -> seg.setAtIndex(F32, off, data[i]));
  }

  /** Copies {@code source}'s elements (same shape, any layout) into this tensor. */
  public void copyFrom(Tensor source) {
    if (!source.shape.equals(shape)) {
      throw new IllegalArgumentException("cannot copy a tensor of shape " + source.shape + " into one of shape " + shape);
    }
    if (isContiguous() && source.isContiguous()) {
      checkAlive();
      source.checkAlive();
      MemorySegment.copy(source.base, source.offset * Float.BYTES, base, offset * Float.BYTES, shape.size() * Float.BYTES);
      return;
    }
    copyFrom(source.toArray());
  }

  /** Sets every element to {@code value}. */
  public void fill(float value) {
    float[] a = new float[Math.toIntExact(shape.size())];
    Arrays.fill(a, value);
    copyFrom(a);
  }

  /** The elements in row-major order, as a new array. */
  public float[] toArray() {
    checkAlive();
    if (shape.size() > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("tensor " + shape + " has too many elements for a Java array");
    }
    float[] out = new float[(int) shape.size()];
    if (isContiguous()) {
      MemorySegment.copy(base, F32, offset * Float.BYTES, out, 0, out.length);
      return out;
    }
    MemorySegment seg = segment();
    forEachElement((i, off) -> out[i] = seg.getAtIndex(F32, off));
    return out;
  }

  /** Receives each element's row-major index and its element offset in {@link #segment()}. */
  @FunctionalInterface
  private interface ElementVisitor {
    void visit(int denseIndex, long offset);
  }

  /** Walks a (small enough for an array) strided view in row-major order. */
  private void forEachElement(ElementVisitor visitor) {
    int cols = rank() == 0 ? 1 : shape.dim(-1);
    long colStride = rank() == 0 ? 0 : strides[rank() - 1];
    long rows = rows();
    for (long r = 0; r < rows; r++) {
      long ro = rowOffset(r);
      for (int c = 0; c < cols; c++) {
        visitor.visit((int) (r * cols + c), ro + c * colStride);
      }
    }
  }

  /** Shape, strides and state, for messages. */
  public String describe() {
    return "Tensor" + shape + (isContiguous() ? "" : " strides " + Arrays.toString(strides)) + (isAlive() ? "" : " (closed)");
  }

  @Override
  public String toString() {
    return describe();
  }
}
