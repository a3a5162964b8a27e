package dev.attn4j.backend.java.kernels;

import dev.attn4j.spi.PreparedWeight;

/**
 * A layer weight packed once into the Java GEMM's B panels (see {@link Gemm#pack}): {@code slices[s]} holds the
 * {@code nr}-wide panels of every output column for the {@code s}-th {@code KC}-deep slice of the input features.
 * Immutable after construction; thread-safe.
 */
public final class PackedWeight implements PreparedWeight {
  private final int n;
  private final int k;
  private final int nr;
  private final float[][] slices;

  PackedWeight(int n, int k, int nr, float[][] slices) {
    this.n = n;
    this.k = k;
    this.nr = nr;
    this.slices = slices;
  }

  /** Whether this packs a {@code [n, k]} weight for a micro-kernel {@code nr} columns wide. */
  public boolean fits(int n, int k, int nr) {
    return this.n == n && this.k == k && this.nr == nr;
  }

  float[] slice(int s) {
    return slices[s];
  }

  @Override
  public long bytes() {
    long b = 0;
    for (float[] s : slices) {
      b += (long) s.length * Float.BYTES;
    }
    return b;
  }
}
