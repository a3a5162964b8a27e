package dev.attn4j.backend.onednn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.attention.AttentionMask;
import dev.attn4j.api.encoder.Encoder;
import dev.attn4j.api.encoder.SeededEncoder;
import dev.attn4j.api.layers.PreparedWeights;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.backend.onednn.internal.Dnnl;
import dev.attn4j.conformance.Data;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.PreparedWeight;
import org.junit.jupiter.api.Test;

/**
 * oneDNN's prepared weights hold native memory of their own: freed when closed, when the weight they copy is freed
 * (through {@link PreparedWeights}), when the backend closes, or once unreachable; never read after that.
 */
class OneDnnPreparedWeightTest {
  private static final int OUT = 384;
  private static final int IN = 256;

  private static Tensor weight(TensorScope s) {
    return s.of(Data.uniform(5, OUT * IN), OUT, IN);
  }

  @Test
  void aClosedCopyIsFreedAndRejectedNotRead() {
    try (OneDnnBackend b = TestDnnl.open(1); TensorScope s = TensorScope.open()) {
      Tensor w = weight(s);
      Tensor x = s.of(Data.uniform(6, 8 * IN), 8, IN);
      PreparedWeight p = b.prepareWeight(w);
      assertNotNull(p, "oneDNN packs a " + OUT + " x " + IN + " weight");
      assertEquals(p.bytes(), b.preparedWeightBytes());
      Tensor packed = s.allocate(8, OUT);
      Tensor plain = s.allocate(8, OUT);
      b.linear(x, w, p, null, Activation.IDENTITY, packed);
      b.linear(x, w, null, Activation.IDENTITY, plain);
      assertArrayEquals(plain.toArray(), packed.toArray(), 1e-4f);

      p.close();
      assertEquals(0, b.preparedWeightBytes());
      p.close(); // a second close does nothing
      assertThrows(IllegalStateException.class, () -> b.linear(x, w, p, null, Activation.IDENTITY, packed));
    }
  }

  @Test
  void anotherBackendsCopyIsIgnoredEvenAfterThatBackendClosed() {
    try (OneDnnBackend b = TestDnnl.open(1); TensorScope s = TensorScope.open()) {
      Tensor w = weight(s);
      Tensor x = s.of(Data.uniform(6, 8 * IN), 8, IN);
      Tensor expected = s.allocate(8, OUT);
      b.linear(x, w, null, Activation.IDENTITY, expected);
      OneDnnBackend other = TestDnnl.open(1);
      PreparedWeight foreign = other.prepareWeight(w);
      other.close(); // its descriptors are destroyed: b must not use them
      Tensor got = s.allocate(8, OUT);
      b.linear(x, w, foreign, null, Activation.IDENTITY, got);
      assertArrayEquals(expected.toArray(), got.toArray());
      assertEquals(0, b.preparedWeightBytes(), "b prepared nothing of its own");
    }
  }

  @Test
  void freeingAnEncodersWeightsFreesTheirCopies() {
    try (OneDnnBackend b = TestDnnl.open(1); TensorScope s = TensorScope.open()) {
      TensorScope weights = TensorScope.open();
      Encoder enc = SeededEncoder.build(weights, 2, 64, 4, 128, 3);
      enc.forward(b, s, s.of(Data.uniform(7, 10 * 64), 1, 10, 64), AttentionMask.none());
      long held = b.preparedWeightBytes();
      assertTrue(held > 0, "the encoder's layer weights were packed");
      assertEquals(held, PreparedWeights.bytes(b));
      weights.close();
      assertTrue(PreparedWeights.releaseFreed() >= 6, "two layers of at least three linear layers each");
      assertEquals(0, b.preparedWeightBytes());
    }
  }

  @Test
  void theBackendsCloseFreesWhatWasNotClosed() {
    try (TensorScope s = TensorScope.open()) {
      OneDnnBackend b = TestDnnl.open(1);
      PreparedWeight p = b.prepareWeight(weight(s));
      assertTrue(b.preparedWeightBytes() > 0);
      b.close();
      assertEquals(0, b.preparedWeightBytes());
      p.close(); // after the backend: nothing left to free, no failure
    }
  }

  @Test
  void anUnreachableCopyIsFreedByTheCollector() throws InterruptedException {
    try (OneDnnBackend b = TestDnnl.open(1); TensorScope s = TensorScope.open()) {
      b.prepareWeight(weight(s)); // dropped unclosed
      assertTrue(b.preparedWeightBytes() > 0);
      for (int i = 0; i < 100 && b.preparedWeightBytes() > 0; i++) {
        System.gc();
        Thread.sleep(50);
      }
      assertEquals(0, b.preparedWeightBytes(), "still held 5 s after the copy became unreachable");
    }
  }

  @Test
  void inBf16APreparedCopyIsTheWeightInBf16() throws Exception {
    if (!Dnnl.get().hasBf16()) {
      return; // bf16IsOptInAndWithinItsOwnTolerance covers the refusal
    }
    BackendOptions bf16 = BackendOptions.defaults().withThreads(1).with(OneDnnBackend.PRECISION_PROPERTY, "bf16");
    try (OneDnnBackend b = TestDnnl.open(bf16); TensorScope s = TensorScope.open()) {
      Tensor w = weight(s);
      Tensor x = s.of(Data.uniform(8, 8 * IN), 8, IN);
      Tensor bias = s.of(Data.uniform(9, OUT), OUT);
      PreparedWeight p = b.prepareWeight(w);
      assertNotNull(p);
      assertEquals(2L * OUT * IN, p.bytes(), "two bytes per weight");
      Tensor prepared = s.allocate(8, OUT);
      Tensor converted = s.allocate(8, OUT);
      b.linear(x, w, p, bias, Activation.GELU, prepared);
      b.linear(x, w, bias, Activation.GELU, converted); // converts the weight for this call
      assertArrayEquals(converted.toArray(), prepared.toArray(), "the same bf16 weight, the same product");
      p.close();
      assertEquals(0, b.preparedWeightBytes());
    }
  }
}
