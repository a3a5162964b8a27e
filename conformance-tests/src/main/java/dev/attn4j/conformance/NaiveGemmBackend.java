package dev.attn4j.conformance;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.GemmProblem;
import dev.attn4j.spi.Transpose;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The smallest complete backend: a triple-loop GEMM and nothing else; every other kernel is the SPI default. */
public final class NaiveGemmBackend implements Backend {
  private volatile boolean closed;
  private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

  @Override
  public String name() {
    return "naive";
  }

  @Override
  public int threads() {
    return 1;
  }

  @Override
  public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
    if (closed) {
      throw new IllegalStateException("naive backend is closed");
    }
    GemmProblem p = GemmProblem.of(a, transA, b, transB, c);
    MemorySegment as = p.a();
    MemorySegment bs = p.b();
    MemorySegment cs = p.c();
    for (int bi = 0; bi < p.batch(); bi++) {
      for (int i = 0; i < p.m(); i++) {
        for (int j = 0; j < p.n(); j++) {
          double acc = 0;
          for (int q = 0; q < p.k(); q++) {
            acc += as.getAtIndex(F, p.aOffset(bi) + i * p.aRowStride() + q * p.aColStride())
                * bs.getAtIndex(F, p.bOffset(bi) + q * p.bRowStride() + j * p.bColStride());
          }
          long ci = p.cOffset(bi) + i * p.cRowStride() + j * p.cColStride();
          cs.setAtIndex(F, ci, (float) (alpha * acc + (beta == 0 ? 0 : beta * cs.getAtIndex(F, ci))));
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
