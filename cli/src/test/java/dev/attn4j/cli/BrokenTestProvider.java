package dev.attn4j.cli;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.spi.Availability;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import dev.attn4j.spi.Transpose;

/**
 * A provider whose GEMM writes nothing. Deliberately not registered on the test class path: ConformanceCommandTest
 * registers it through a jar of its own given to {@code --jar}.
 */
public final class BrokenTestProvider implements BackendProvider {
  @Override
  public String name() {
    return "broken-gemm";
  }

  @Override
  public int priority() {
    return -1;
  }

  @Override
  public Availability availability() {
    return Availability.available("test fixture");
  }

  @Override
  public Backend create(BackendOptions options) {
    return new Backend() {
      @Override
      public String name() {
        return "broken-gemm";
      }

      @Override
      public int threads() {
        return 1;
      }

      @Override
      public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {}

      @Override
      public void close() {}
    };
  }
}
