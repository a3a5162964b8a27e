package dev.attn4j.models;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.Transpose;

/** A backend whose kernels must never run: tests use it to show that bad input is rejected before any work. */
final class NoComputeBackend implements Backend {
  @Override
  public String name() {
    return "no-compute";
  }

  @Override
  public int threads() {
    return 1;
  }

  @Override
  public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
    throw new AssertionError("a kernel ran, but the input should have been rejected before any work");
  }

  @Override
  public void softmax(Tensor x, float scale, Tensor mask) {
    throw new AssertionError("a kernel ran, but the input should have been rejected before any work");
  }

  @Override
  public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    throw new AssertionError("a kernel ran, but the input should have been rejected before any work");
  }

  @Override
  public void close() {}
}
