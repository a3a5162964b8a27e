package dev.attn4j.api.tensor;

import java.util.Arrays;

/**
 * The dimensions of a tensor, outermost first. Immutable and thread-safe.
 *
 * <p>Every dimension is {@code >= 0}; the element count must fit a {@code long} and its byte size
 * ({@code 4 * size}) must too. A rank-0 shape is a scalar with one element.
 *
 * <p>Stability: stable since 0.1.
 */
public final class Shape {
  private final int[] dims;
  private final long size;

  private Shape(int[] dims) {
    this.dims = dims;
    long n = 1;
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0) {
        throw new IllegalArgumentException("negative dimension " + dims[i] + " at axis " + i + " of " + Arrays.toString(dims));
      }
      try {
        n = Math.multiplyExact(n, dims[i]);
        Math.multiplyExact(n, Float.BYTES);
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more elements than a float32 tensor can hold");
      }
    }
    this.size = n;
  }

  /** A shape with the given dimensions (copied). */
  public static Shape of(int... dims) {
    return new Shape(dims.clone());
  }

  /** A shape with the given dimensions, each of which must fit an {@code int}. */
  public static Shape of(long... dims) {
    int[] d = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("dimension " + dims[i] + " at axis " + i + " is negative or larger than " + Integer.MAX_VALUE);
      }
      d[i] = (int) dims[i];
    }
    return new Shape(d);
  }

  /** Number of axes. */
  public int rank() {
    return dims.length;
  }

  /** Size of {@code axis}; negative axes count from the end ({@code -1} is the last). */
  public int dim(int axis) {
    return dims[axis(axis)];
  }

  /** Total number of elements. */
  public long size() {
    return size;
  }

  /** A copy of the dimensions. */
  public int[] toArray() {
    return dims.clone();
  }

  /** Normalizes a possibly negative axis, failing with the shape in the message when out of range. */
  public int axis(int axis) {
    int a = axis < 0 ? axis + dims.length : axis;
    if (a < 0 || a >= dims.length) {
      throw new IndexOutOfBoundsException("axis " + axis + " out of range for shape " + this);
    }
    return a;
  }

  /** The shape formed by the axes {@code [from, to)}. */
  public Shape sub(int from, int to) {
    return new Shape(Arrays.copyOfRange(dims, from, to));
  }

  /** This shape followed by {@code tail}. */
  public Shape concat(Shape tail) {
    int[] d = Arrays.copyOf(dims, dims.length + tail.dims.length);
    System.arraycopy(tail.dims, 0, d, dims.length, tail.dims.length);
    return new Shape(d);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** Canonical form, e.g. {@code [2, 128, 768]}. */
  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
