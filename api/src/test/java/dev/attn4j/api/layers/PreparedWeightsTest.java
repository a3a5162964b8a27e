package dev.attn4j.api.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attn4j.api.CountingBackend;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.PreparedWeight;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When {@link PreparedWeights} closes the copies it holds. */
class PreparedWeightsTest {
  /** A copy that counts its closes and can be told to fail. */
  private static final class Copy implements PreparedWeight {
    int closes;
    boolean failOnClose;

    @Override
    public long bytes() {
      return 1000;
    }

    @Override
    public void close() {
      closes++;
      if (failOnClose) {
        throw new IllegalStateException("in use");
      }
    }
  }

  /** Prepares a {@link Copy} of every weight and records which copy each linear call got; computes nothing. */
  private static final class PreparingBackend extends CountingBackend {
    final List<Copy> made = new ArrayList<>();
    final List<PreparedWeight> passed = new ArrayList<>();

    @Override
    public PreparedWeight prepareWeight(Tensor weight) {
      Copy c = new Copy();
      made.add(c);
      return c;
    }

    @Override
    public void linear(Tensor x, Tensor weight, PreparedWeight prepared, Tensor bias, Activation activation, Tensor out) {
      passed.add(prepared);
    }
  }

  private static void forward(Linear layer, Backend backend, TensorScope scope) {
    layer.forward(backend, scope.allocate(2, layer.inFeatures()), Activation.IDENTITY, scope.allocate(2, layer.outFeatures()));
  }

  @Test
  void preparesOncePerBackendAndClosesWhenTheWeightIsFreed() {
    PreparingBackend backend = new PreparingBackend();
    try (TensorScope activations = TensorScope.open()) {
      TensorScope weights = TensorScope.open();
      Linear layer = new Linear(weights.allocate(3, 4), null);
      forward(layer, backend, activations);
      forward(layer, backend, activations);
      assertEquals(1, backend.made.size(), "prepared once");
      assertSame(backend.made.get(0), backend.passed.get(1), "the second forward reuses the copy");
      assertEquals(1000, PreparedWeights.bytes(backend));

      assertEquals(0, PreparedWeights.releaseFreed(), "the weight is alive");
      assertEquals(0, backend.made.get(0).closes);
      weights.close();
      assertEquals(1, PreparedWeights.releaseFreed());
      assertEquals(1, backend.made.get(0).closes);
      assertEquals(0, PreparedWeights.bytes(backend));
      assertEquals(0, PreparedWeights.releaseFreed(), "closed once only");
      assertEquals(1, backend.made.get(0).closes);
    }
  }

  @Test
  void aNewPreparationFirstClosesTheCopiesOfFreedWeights() {
    PreparingBackend backend = new PreparingBackend();
    try (TensorScope activations = TensorScope.open(); TensorScope second = TensorScope.open()) {
      TensorScope first = TensorScope.open();
      forward(new Linear(first.allocate(3, 4), null), backend, activations);
      first.close();
      forward(new Linear(second.allocate(5, 4), null), backend, activations);
      assertEquals(2, backend.made.size());
      assertEquals(1, backend.made.get(0).closes, "the freed weight's copy went before the new one was made");
      assertEquals(0, backend.made.get(1).closes);
    }
  }

  @Test
  void releaseClosesEveryBackendsCopyAndTheNextForwardPreparesAgain() {
    PreparingBackend a = new PreparingBackend();
    PreparingBackend b = new PreparingBackend();
    try (TensorScope s = TensorScope.open()) {
      Linear layer = new Linear(s.allocate(3, 4), s.allocate(3));
      forward(layer, a, s);
      forward(layer, b, s);
      assertEquals(2, PreparedWeights.release(layer.weight()));
      assertEquals(1, a.made.get(0).closes);
      assertEquals(1, b.made.get(0).closes);
      assertEquals(0, PreparedWeights.release(layer.weight()), "nothing left to release");
      forward(layer, a, s);
      assertEquals(2, a.made.size(), "prepared again after the release");
    }
  }

  @Test
  void aFailingCloseDoesNotKeepTheOthersOpen() {
    PreparingBackend a = new PreparingBackend();
    PreparingBackend b = new PreparingBackend();
    try (TensorScope s = TensorScope.open()) {
      Linear layer = new Linear(s.allocate(3, 4), null);
      forward(layer, a, s);
      forward(layer, b, s);
      a.made.get(0).failOnClose = true;
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> PreparedWeights.release(layer.weight()));
      assertEquals("in use", e.getMessage());
      assertEquals(1, b.made.get(0).closes, "the other backend's copy was still closed");
    }
  }
}
