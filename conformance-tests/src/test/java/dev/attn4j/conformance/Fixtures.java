package dev.attn4j.conformance;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Availability;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import dev.attn4j.spi.Transpose;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** Providers for test backends, and deliberately broken backends that the suite must catch. */
final class Fixtures {
  private Fixtures() {}

  /** An always-available provider of {@code backend}. */
  static BackendProvider provider(String name, Supplier<Backend> backend) {
    return new BackendProvider() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public int priority() {
        return 0;
      }

      @Override
      public Availability availability() {
        return Availability.available("test fixture");
      }

      @Override
      public Backend create(BackendOptions options) {
        return backend.get();
      }
    };
  }

  /** A correct backend (naive GEMM, SPI defaults) with one kernel overridden by each fixture. */
  private abstract static class Broken implements Backend {
    final NaiveGemmBackend good = new NaiveGemmBackend();
    private volatile boolean closed;

    void checkOpen() {
      if (closed) {
        throw new IllegalStateException(name() + " is closed");
      }
    }

    @Override
    public String name() {
      return getClass().getSimpleName();
    }

    @Override
    public int threads() {
      return 1;
    }

    @Override
    public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
      checkOpen();
      good.gemm(alpha, a, transA, b, transB, beta, c);
    }

    @Override
    public void close() {
      closed = true;
      good.close();
    }
  }

  /** Softmax that ignores the mask. */
  static final class SoftmaxIgnoresMask extends Broken {
    @Override
    public void softmax(Tensor x, float scale, Tensor mask) {
      checkOpen();
      super.softmax(x, scale, null);
    }
  }

  /** GEMM that never writes the last column of C. */
  static final class GemmSkipsLastColumn extends Broken {
    @Override
    public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
      checkOpen();
      int n = c.dim(c.rank() - 1);
      if (n <= 1) {
        good.gemm(alpha, a, transA, b, transB, beta, c);
        return;
      }
      Tensor bCols = transB == Transpose.NONE ? b.slice(b.rank() - 1, 0, n - 1) : b.slice(b.rank() - 2, 0, n - 1);
      good.gemm(alpha, a, transA, bCols, transB, beta, c.slice(c.rank() - 1, 0, n - 1));
    }
  }

  /** Layer norm that uses eps = 1e-12 whatever it is given. */
  static final class LayerNormWrongEps extends Broken {
    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
      checkOpen();
      super.layerNorm(x, gamma, beta, 1e-12f);
    }
  }

  /** Attention that computes everything but never stores the first output element. */
  static final class AttentionLeavesElementUnwritten extends Broken {
    @Override
    public void scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale, Tensor out, Tensor probs) {
      try (TensorScope s = TensorScope.open()) {
        Tensor tmp = s.allocate(out.shape());
        super.scaledDotProductAttention(q, k, v, mask, scale, tmp, probs);
        int[] first = new int[out.rank()];
        float keep = out.get(first);
        out.copyFrom(tmp);
        out.set(keep, first);
      }
    }
  }

  /** GEMM whose first element moves by one ulp on every other call: right within budget, but not repeatable. */
  static final class NondeterministicGemm extends Broken {
    private final AtomicLong calls = new AtomicLong();

    @Override
    public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
      checkOpen();
      good.gemm(alpha, a, transA, b, transB, beta, c);
      if (c.size() > 8 && calls.incrementAndGet() % 2 == 0) {
        int[] first = new int[c.rank()];
        c.set(Math.nextUp(c.get(first)), first);
      }
    }
  }

  /** A backend that keeps computing after {@code close()} (a native one would be using freed memory). */
  static final class IgnoresClose extends Broken {
    private final NaiveGemmBackend neverClosed = new NaiveGemmBackend();

    @Override
    public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
      neverClosed.gemm(alpha, a, transA, b, transB, beta, c);
    }
  }
}
