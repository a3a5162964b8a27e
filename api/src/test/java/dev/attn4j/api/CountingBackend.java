package dev.attn4j.api;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.Transpose;
import java.util.concurrent.atomic.AtomicInteger;

/** A test backend that computes nothing (its GEMM throws) and counts its closes; tests extend it with what they watch. */
public class CountingBackend implements Backend {
  /** How many times {@link #close()} ran. */
  public final AtomicInteger closes = new AtomicInteger();

  @Override
  public String name() {
    return "counting";
  }

  @Override
  public int threads() {
    return 1;
  }

  @Override
  public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
    throw new UnsupportedOperationException("a test backend that computes nothing");
  }

  @Override
  public void close() {
    closes.incrementAndGet();
  }
}
