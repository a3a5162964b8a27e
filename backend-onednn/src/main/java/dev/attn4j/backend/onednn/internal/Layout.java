package dev.attn4j.backend.onednn.internal;

import dev.attn4j.api.tensor.Tensor;
import java.util.Arrays;

/**
 * The dims and element strides of a tensor view as a oneDNN memory descriptor states them. Broadcast axes
 * (stride 0) become size 1, which is how oneDNN expresses broadcasting. Immutable.
 */
record Layout(long[] dims, long[] strides) {
  Layout {
    if (dims.length != strides.length || dims.length == 0 || dims.length > Dnnl.MAX_NDIMS) {
      throw new IllegalArgumentException("layout rank " + dims.length + " outside 1.." + Dnnl.MAX_NDIMS);
    }
  }

  /**
   * The layout of {@code t} left-padded with size-1 axes to {@code rank}, every stride-0 (broadcast) axis
   * collapsed to size 1; null when an axis among the last {@code keep} is a broadcast axis of size > 1 (oneDNN
   * cannot read one element for several) or {@code t} cannot be described.
   */
  static Layout of(Tensor t, int rank, int keep) {
    if (rank > Dnnl.MAX_NDIMS || t.rank() > rank) {
      return null;
    }
    long[] dims = new long[rank];
    long[] strides = new long[rank];
    int pad = rank - t.rank();
    for (int i = rank - 1; i >= 0; i--) {
      int ax = i - pad;
      long d = ax < 0 ? 1 : t.dim(ax);
      long s = ax < 0 ? 0 : t.stride(ax);
      if (d == 0) {
        return null;
      }
      if (s == 0 && d > 1) {
        if (i >= rank - keep) {
          return null;
        }
        d = 1;
      }
      dims[i] = d;
      strides[i] = s;
    }
    fillUnitStrides(dims, strides);
    return new Layout(dims, strides);
  }

  /**
   * {@code t} seen as a matrix {@code [rows, t.dim(-1)]} when its leading axes merge into one without a copy
   * (as for a dense {@code [batch, seq, hidden]} activation); null otherwise.
   */
  static Layout rows(Tensor t) {
    int r = t.rank();
    if (r < 2 || t.size() == 0) {
      return null;
    }
    long rows = 1;
    long rowStride = 0;
    // Walk the leading axes from the innermost: each must step exactly over the axes inside it.
    for (int ax = r - 2; ax >= 0; ax--) {
      if (t.dim(ax) == 1) {
        continue;
      }
      if (rows == 1) {
        rowStride = t.stride(ax);
      } else if (t.stride(ax) != rowStride * rows) {
        return null;
      }
      rows *= t.dim(ax);
    }
    if (rows > 1 && rowStride == 0 || t.stride(-1) == 0 && t.dim(-1) > 1) {
      return null;
    }
    long[] dims = {rows, t.dim(-1)};
    long[] strides = {rows == 1 ? (long) t.dim(-1) * Math.max(1, t.stride(-1)) : rowStride, t.stride(-1)};
    fillUnitStrides(dims, strides);
    return new Layout(dims, strides);
  }

  /** The dense row-major layout of the same dims. */
  Layout dense() {
    long[] s = new long[dims.length];
    long acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= dims[i];
    }
    long[] d = dims.clone();
    fillUnitStrides(d, s);
    return new Layout(d, s);
  }

  /** Number of elements. */
  long size() {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  /** This layout left-padded with size-1 axes to {@code rank}. */
  Layout padTo(int rank) {
    if (rank == dims.length) {
      return this;
    }
    long[] d = new long[rank];
    long[] s = new long[rank];
    int pad = rank - dims.length;
    Arrays.fill(d, 0, pad, 1);
    System.arraycopy(dims, 0, d, pad, dims.length);
    System.arraycopy(strides, 0, s, pad, strides.length);
    fillUnitStrides(d, s);
    return new Layout(d, s);
  }

  int rank() {
    return dims.length;
  }

  /** Elements from the first to the last addressed one, inclusive: what the memory must hold. */
  long span() {
    long last = 0;
    for (int i = 0; i < dims.length; i++) {
      last += (dims[i] - 1) * strides[i];
    }
    return last + 1;
  }

  /**
   * Gives size-1 axes (whose stride is never multiplied by a nonzero index) the stride a plain layout would have
   * there. oneDNN infers the axis order, leading dimensions and batch strides of a strided descriptor from all of
   * its strides, so an arbitrary value there is not harmless (measured: brg_matmul read garbage for a {@code [1, H, D,
   * N]} view whose size-1 axis tied with another's stride, and for {@code [B, H, 1, D]} when the size-1 row axis was
   * given a large stride). Batch axes go outermost; a size-1 matrix axis gets the stride that makes the matrix plainly
   * row- or column-major. Equal shapes also get equal cache keys this way.
   */
  private static void fillUnitStrides(long[] dims, long[] strides) {
    int r = dims.length;
    if (r >= 2) {
      int row = r - 2;
      int col = r - 1;
      if (dims[row] == 1 && dims[col] == 1) {
        strides[row] = 1;
        strides[col] = 1;
      } else if (dims[row] == 1) {
        strides[row] = strides[col] == 1 ? dims[col] : 1; // row-major [1, n] with ld = n, or column-major with ld = stride
      } else if (dims[col] == 1) {
        strides[col] = strides[row] == 1 ? dims[row] : 1;
      }
    } else if (dims[0] == 1) {
      strides[0] = 1;
    }
    long outer = 1;
    for (int i = 0; i < r; i++) {
      outer = Math.max(outer, dims[i] * strides[i]);
    }
    for (int i = 0; i < r - 2; i++) {
      if (dims[i] == 1) {
        strides[i] = outer;
      }
    }
  }

  void appendKey(StringBuilder key) {
    key.append(Arrays.toString(dims)).append('/').append(Arrays.toString(strides));
  }
}
