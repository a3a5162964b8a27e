package dev.attn4j.conformance;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import dev.attn4j.spi.PreparedWeight;
import dev.attn4j.spi.Transpose;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicNode;

/**
 * The SPI's lifecycle on a fresh instance of the backend: {@code close()} is idempotent, and afterwards {@code gemm}
 * and every kernel the backend implements itself throw {@link IllegalStateException} (the interface's defaults hold
 * no state, so they are not held to it). A closed native backend that ran anyway would use freed memory.
 */
final class LifecycleCases {
  private final BackendProvider provider;
  private final BackendOptions options;

  LifecycleCases(BackendProvider provider, BackendOptions options) {
    this.provider = provider;
    this.options = options;
  }

  List<DynamicNode> nodes() {
    return List.of(dynamicTest("CLOSE twice, then gemm and every overridden kernel throw IllegalStateException", this::closedRejectsKernels));
  }

  /** A kernel call on valid arguments, and the SPI method it calls (to see whether the backend overrides it). */
  private record Call(String method, Class<?>[] parameters, Runnable run) {}

  private void closedRejectsKernels() throws Exception {
    Backend b = provider.create(options);
    b.close();
    b.close();
    try (TensorScope s = TensorScope.open()) {
      Tensor x = s.of(Data.uniform(1, 4 * 8), 4, 8);
      Tensor y = s.of(Data.uniform(2, 4 * 8), 4, 8);
      Tensor w = s.of(Data.uniform(3, 6 * 8), 6, 8);
      Tensor out = s.allocate(4, 6);
      Tensor bias = s.of(Data.uniform(4, 6), 6);
      Tensor gamma = s.of(Data.uniform(5, 8), 8);
      Tensor beta = s.of(Data.uniform(6, 8), 8);
      Tensor q = s.of(Data.uniform(7, 2 * 5 * 4), 1, 2, 5, 4);
      Tensor ctx = s.allocate(1, 2, 5, 4);
      Class<?> t = Tensor.class;
      List<Call> calls = List.of(
          new Call("gemm", new Class<?>[] {float.class, t, Transpose.class, t, Transpose.class, float.class, t},
              () -> b.gemm(1f, x, Transpose.NONE, w, Transpose.TRANSPOSE, 0f, out)),
          new Call("addBias", new Class<?>[] {t, t}, () -> b.addBias(out, bias)),
          new Call("add", new Class<?>[] {t, t}, () -> b.add(x, y)),
          new Call("activate", new Class<?>[] {t, Activation.class}, () -> b.activate(x, Activation.GELU)),
          new Call("softmax", new Class<?>[] {t, float.class, t}, () -> b.softmax(x, 1f, null)),
          new Call("layerNorm", new Class<?>[] {t, t, t, float.class}, () -> b.layerNorm(x, gamma, beta, 1e-5f)),
          new Call("addLayerNorm", new Class<?>[] {t, t, t, t, float.class}, () -> b.addLayerNorm(x, y, gamma, beta, 1e-5f)),
          new Call("linear", new Class<?>[] {t, t, t, Activation.class, t}, () -> b.linear(x, w, bias, Activation.IDENTITY, out)),
          new Call("linear", new Class<?>[] {t, t, PreparedWeight.class, t, Activation.class, t},
              () -> b.linear(x, w, null, bias, Activation.IDENTITY, out)),
          new Call("scaledDotProductAttention", new Class<?>[] {t, t, t, t, float.class, t, t},
              () -> b.scaledDotProductAttention(q, q, q, null, 0.5f, ctx, null)));
      List<String> failures = new ArrayList<>();
      for (Call c : calls) {
        if (!c.method().equals("gemm") && b.getClass().getMethod(c.method(), c.parameters()).getDeclaringClass() == Backend.class) {
          continue; // the interface's default: composed from other kernels or scalar, with no state of its own
        }
        String name = c.method() + "(" + c.parameters().length + " arguments)";
        try {
          c.run().run();
          failures.add(name + " returned normally");
        } catch (IllegalStateException expected) {
          // what the SPI asks for
        } catch (RuntimeException | Error e) {
          failures.add(name + " threw " + e);
        }
      }
      if (!failures.isEmpty()) {
        throw new AssertionError("after close(), kernels must throw IllegalStateException: " + String.join("; ", failures));
      }
    }
  }
}
