package dev.attn4j.backend.onednn;

import static dev.attn4j.conformance.Concurrency.checkedProduct;
import static dev.attn4j.conformance.Concurrency.runConcurrently;
import static dev.attn4j.conformance.Oracle.U;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.BackendRegistry;
import dev.attn4j.api.attention.AttentionMask;
import dev.attn4j.api.encoder.Encoder;
import dev.attn4j.api.encoder.SeededEncoder;
import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.backend.onednn.internal.Dnnl;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Availability;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.Transpose;
import dev.attn4j.conformance.Budget;
import dev.attn4j.conformance.Data;
import dev.attn4j.conformance.Oracle;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What is specific to the oneDNN binding: discovery, native paths and fallbacks, threads, the cache, precision, memory. */
class OneDnnBackendTest {

  @Test
  void availableAndReportsLibraryVersionAndIsa() throws Exception {
    Availability a = new OneDnnBackendProvider().availability();
    assertTrue(a.available(), "oneDNN must be available in this build (the Maven dependency carries it): " + a.detail());
    assertTrue(a.detail().matches("oneDNN 3\\.\\d+\\.\\d+.*"), a.detail());
    assertTrue(a.detail().contains("ISA "), a.detail());
    assertTrue(a.detail().matches(".*(bundled|system|from property): .*"), "names where it was loaded from: " + a.detail());
    try (OneDnnBackend b = TestDnnl.open(1)) {
      assertTrue(b.description().contains(b.oneDnnVersion()) && b.description().contains(b.cpuIsa()), b.description());
      assertTrue(b.matmulImplementation(64, 64, 64).contains("matmul"), b.matmulImplementation(64, 64, 64));
    }
  }

  @Test
  void registryFindsItAndPrefersItOverOthers() {
    BackendRegistry registry = BackendRegistry.load(getClass().getClassLoader());
    try (Backend best = registry.best(BackendOptions.defaults().withThreads(1))) {
      assertEquals("onednn", best.name());
    }
  }

  @Test
  void modelKernelsRunNatively() {
    try (OneDnnBackend b = TestDnnl.open(2); TensorScope s = TensorScope.open()) {
      Tensor x = s.of(Data.uniform(1, 2 * 5 * 16), 2, 5, 16);
      b.linear(x, s.of(Data.uniform(2, 24 * 16), 24, 16), s.of(Data.uniform(3, 24), 24), Activation.GELU, s.allocate(2, 5, 24));
      b.linear(x, s.of(Data.uniform(2, 24 * 16), 24, 16), null, Activation.GELU_TANH, s.allocate(2, 5, 24));
      b.layerNorm(x, s.of(Data.uniform(4, 16), 16), s.of(Data.uniform(5, 16), 16), 1e-5f);
      b.activate(x, Activation.GELU);
      Tensor q = x.reshape(2, 5, 4, 4).permute(0, 2, 1, 3);
      b.scaledDotProductAttention(q, q, q, s.of(new float[] {0, 0, 0, Float.NEGATIVE_INFINITY, 0, 0, 0, 0, 0, 0}, 2, 1, 1, 5), 0.5f,
          s.allocate(2, 4, 5, 4), null);
      b.gemm(1f, x, Transpose.NONE, x, Transpose.TRANSPOSE, 0f, s.allocate(2, 5, 5));
      assertEquals(0, b.javaFallbackCalls());
      assertEquals(8, b.nativeCalls(), "linear x2, layer norm, GELU, attention (matmul + softmax), gemm");
    }
  }

  @Test
  void whatOneDnnCannotTakeRunsOnJavaAndIsStillRight() {
    try (OneDnnBackend b = TestDnnl.open(1); TensorScope s = TensorScope.open()) {
      Tensor broadcastRows = s.of(Data.uniform(1, 4), 1, 4).expand(Shape.of(3, 4));
      Tensor c = s.allocate(3, 2);
      float[] w = Data.uniform(2, 8);
      b.gemm(1f, broadcastRows, Transpose.NONE, s.of(w, 4, 2), Transpose.NONE, 0f, c);
      // Heap memory cannot be handed to native code.
      float[] heap = {1, -2, Float.NaN, 4};
      Tensor onHeap = s.wrap(MemorySegment.ofArray(heap), Shape.of(2, 2));
      b.activate(onHeap, Activation.GELU);
      // oneDNN's relu maps NaN to 0; the SPI keeps NaN.
      Tensor withNan = s.of(new float[] {Float.NaN, -1f}, 1, 2);
      b.activate(withNan, Activation.RELU);
      assertEquals(3, b.javaFallbackCalls());
      assertEquals(0, b.nativeCalls());
      assertTrue(Float.isNaN(withNan.get(0, 0)) && withNan.get(0, 1) == 0f);
      assertTrue(Float.isNaN(heap[2]) && heap[0] > 0.8f && heap[1] < 0f && heap[1] > -0.1f, Arrays.toString(heap));
      float[] got = c.toArray();
      float[] row = broadcastRows.select(0, 0).toArray();
      for (int j = 0; j < 2; j++) {
        double ref = 0;
        for (int i = 0; i < 4; i++) {
          ref += row[i] * w[i * 2 + j];
        }
        assertEquals(ref, got[j], 1e-6);
        assertEquals(got[j], got[4 + j]);
      }
    }
  }

  @Test
  void bitForBitRepeatableAtAFixedThreadCount() {
    try (OneDnnBackend b = TestDnnl.open(2)) {
      float[] first = forward(b, 3, 1);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(first, forward(b, 3, 1), "run " + i);
      }
    }
  }

  @Test
  void theThreadCountReachesOpenMpOnTheCallingThread() throws Exception {
    Dnnl dnnl = Dnnl.get();
    assertTrue(dnnl.controlsThreads(), "the bundled oneDNN is an OpenMP build: " + dnnl.describe());
    for (int threads : new int[] {1, 3, 2}) {
      try (OneDnnBackend b = TestDnnl.open(threads); TensorScope s = TensorScope.open()) {
        Tensor a = s.of(Data.uniform(1, 32 * 32), 32, 32);
        b.gemm(1f, a, Transpose.NONE, a, Transpose.NONE, 0f, s.allocate(32, 32));
        assertEquals(threads, dnnl.threadsOfCaller());
        assertTrue(b.description().contains(threads + " threads"), b.description());
      }
    }
  }

  /** Java threads calling at once, on one backend and on two with different thread counts, all get correct results. */
  @Test
  void concurrentCallersFromManyJavaThreads() throws Exception {
    int callers = 6;
    int rounds = 20;
    try (OneDnnBackend one = TestDnnl.open(1); OneDnnBackend two = TestDnnl.open(2)) {
      float[] expected = forward(one, 2, 7);
      runConcurrently(callers, id -> {
        Backend b = id % 3 == 0 ? one : two;
        for (int r = 0; r < rounds; r++) {
          checkedProduct(b, 17 + (id * 7 + r) % 50, 33 + r % 40, 64 + (id + r) % 100, r % 3 + 1, id * 1000L + r);
          if (r % 5 == 0) {
            Budget.check("concurrent forward", Oracle.toDouble(expected), forward(b, 2, 7), i -> 1e-4);
          }
        }
      });
    }
  }

  @Test
  void primitiveCacheHitsAndStaysBounded() throws Exception {
    try (OneDnnBackend b = TestDnnl.open(BackendOptions.defaults().withThreads(1).with(OneDnnBackend.CACHE_PROPERTY, "3"))) {
      for (int round = 0; round < 3; round++) {
        for (int m = 1; m <= 5; m++) {
          checkedProduct(b, m, 8, 16, 1, round * 10L + m);
        }
      }
      PrimitiveCacheStats st = b.primitiveCacheStats();
      assertEquals(3, st.capacity());
      assertTrue(st.size() <= 3, st.toString());
      assertTrue(st.evictions() >= 12, "5 shapes cycling through 3 slots evict on every call: " + st);
      // Many threads on a tiny cache: evicted primitives stay valid for the calls using them.
      runConcurrently(4, id -> {
        for (int r = 0; r < 40; r++) {
          checkedProduct(b, 1 + (id + r) % 7, 8, 16, 1 + r % 2, id * 100L + r);
        }
      });
    }
    try (OneDnnBackend b = TestDnnl.open(1)) {
      for (int i = 0; i < 5; i++) {
        checkedProduct(b, 6, 8, 16, 2, 42);
      }
      PrimitiveCacheStats st = b.primitiveCacheStats();
      assertEquals(1, st.misses(), st.toString());
      assertEquals(4, st.hits(), st.toString());
    }
  }

  @Test
  void bf16IsOptInAndWithinItsOwnTolerance() throws Exception {
    BackendOptions bf16 = BackendOptions.defaults().withThreads(1).with(OneDnnBackend.PRECISION_PROPERTY, "bf16");
    if (!Dnnl.get().hasBf16()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestDnnl.open(bf16));
      assertTrue(e.getMessage().contains("bf16"), e.getMessage());
      return;
    }
    int m = 16;
    int n = 24;
    int k = 256;
    float[] a = Data.uniform(1, m * k);
    float[] w = Data.uniform(2, k * n);
    try (OneDnnBackend b = TestDnnl.open(bf16); OneDnnBackend f = TestDnnl.open(1); TensorScope s = TensorScope.open()) {
      assertEquals(Precision.BF16, b.precision());
      assertEquals(Precision.F32, f.precision());
      System.out.println("bf16 matmul: " + b.matmulImplementation(m, n, k) + ", f32 matmul: " + f.matmulImplementation(m, n, k));
      Tensor c = s.allocate(m, n);
      Tensor cf = s.allocate(m, n);
      b.gemm(1f, s.of(a, m, k), Transpose.NONE, s.of(w, k, n), Transpose.NONE, 0f, c);
      f.gemm(1f, s.of(a, m, k), Transpose.NONE, s.of(w, k, n), Transpose.NONE, 0f, cf);
      double[] ref = Oracle.matmul(Oracle.toDouble(a), Oracle.toDouble(w), m, n, k);
      double[] mag = Oracle.matmul(Oracle.abs(Oracle.toDouble(a)), Oracle.abs(Oracle.toDouble(w)), m, n, k);
      // Rounding each input to bf16 (8-bit significand) costs 2 * 2^-9 relative per product, plus f32 accumulation.
      Budget.check("bf16 GEMM", ref, c.toArray(), i -> (2 * 0x1p-9 + (k + 2) * U) * mag[i]);
      assertNotEquals(Arrays.toString(cf.toArray()), Arrays.toString(c.toArray()), "bf16 mode must actually round");
      // A whole encoder (layer weights converted once, reused): LayerNorm'd outputs of order 1 stay within 0.05 of f32,
      // and the cached weights give the same bits on the next call.
      float[] bfOut = forward(b, 2, 6);
      float[] f32Out = forward(f, 2, 6);
      Budget.check("bf16 encoder vs f32", Oracle.toDouble(f32Out), bfOut, i -> 0.05);
      assertArrayEquals(bfOut, forward(b, 2, 6));
    }
  }

  @Test
  void badOptionsAreClearErrors() {
    IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
        () -> TestDnnl.open(BackendOptions.defaults().with(OneDnnBackend.PRECISION_PROPERTY, "fp8")));
    assertTrue(p.getMessage().contains("fp8"), p.getMessage());
    IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
        () -> TestDnnl.open(BackendOptions.defaults().with(OneDnnBackend.CACHE_PROPERTY, "0")));
    assertTrue(c.getMessage().contains(OneDnnBackend.CACHE_PROPERTY), c.getMessage());
  }

  @Test
  void statusErrorsNameTheCallAndTheStatus() {
    OneDnnException e = new OneDnnException("dnnl_primitive_execute", 5);
    assertEquals("dnnl_primitive_execute failed: runtime_error (5)", e.getMessage());
    assertEquals("unknown status", OneDnnException.statusName(99));
  }

  @Test
  void closedBackendRejectsCalls() {
    OneDnnBackend b = TestDnnl.open(1);
    b.close();
    b.close();
    try (TensorScope s = TensorScope.open()) {
      Tensor a = s.allocate(2, 2);
      assertThrows(IllegalStateException.class, () -> b.gemm(1f, a, Transpose.NONE, a, Transpose.NONE, 0f, s.allocate(2, 2)));
    }
  }

  /**
   * Native memory stays flat over many encoder forwards (sequence lengths cycling, so primitives are looked up,
   * not only reused): the bytes malloc has handed out and not taken back (glibc's {@code mallinfo2}: what oneDNN,
   * our arenas and the JVM hold natively; unlike the resident size, not moved by the Java heap) do not grow window
   * after window. {@code -Dattn4j.onednn.soak=N} runs N forwards (docs/PERFORMANCE.md records a 10,000-forward run).
   */
  @Test
  void nativeMemoryIsFlatOverManyForwards() throws IOException {
    int forwards = Integer.getInteger("attn4j.onednn.soak", 4000);
    int windows = 8;
    int perWindow = Math.max(1, forwards / windows);
    try (OneDnnBackend b = TestDnnl.open(2); TensorScope w = TensorScope.open()) {
      // One model for the whole run, as an application has: its prepared (packed) weights are made once, so what
      // this measures is per-call memory (OneDnnPreparedWeightTest: when packed weights are freed).
      Encoder enc = SeededEncoder.build(w, 2, 32, 4, 64, 11);
      // Warm up until the JIT has finished with these paths (a round of 250 forwards with no compilation time added,
      // at most 20 rounds): its compiler arenas are malloc'd too. Then collect, so that memory other tests left to
      // the GC (auto arenas, cleaners) is freed before the first reading rather than during the windows.
      CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
      long compiled = -1;
      for (int round = 0; round < 20 && compiled != jit.getTotalCompilationTime(); round++) {
        compiled = jit.getTotalCompilationTime();
        for (int i = 0; i < 250; i++) {
          forward(b, enc, 1 + i % 3, 3 + i % 5);
        }
      }
      System.gc();
      long[] inUse = new long[windows + 1];
      inUse[0] = quietMallocInUse();
      long rssBefore = rssKb();
      long t0 = System.nanoTime();
      for (int win = 1; win <= windows; win++) {
        for (int i = 0; i < perWindow; i++) {
          forward(b, enc, 1 + i % 3, 3 + i % 5);
        }
        inUse[win] = quietMallocInUse();
      }
      long[] growth = new long[windows];
      StringBuilder trace = new StringBuilder();
      for (int win = 0; win < windows; win++) {
        growth[win] = inUse[win + 1] - inUse[win];
        trace.append(win == 0 ? "" : ", ").append(growth[win] / 1024).append(" KiB");
      }
      long[] sorted = growth.clone();
      Arrays.sort(sorted);
      long medianGrowth = sorted[windows / 2];
      System.out.printf("oneDNN soak: %d forwards in %.1f s, malloc in use %d -> %d KiB (per window: %s), RSS %d -> %d KiB, cache %s%n",
          perWindow * windows, (System.nanoTime() - t0) / 1e9, inUse[0] / 1024, inUse[windows] / 1024, trace, rssBefore, rssKb(),
          b.primitiveCacheStats());
      // A leak grows the heap in every window by the same amount. The JVM's own malloc'd memory (C2's compiler arenas,
      // freed in bulk by a periodic cleaner) moves it by up to ~15 MiB in either direction, in a few windows; the
      // others move by tens of KiB. So the median window is the leak's rate: 1 MiB per 500 forwards is ~2 KiB per
      // forward, less than one leaked oneDNN memory object per kernel call.
      assertTrue(medianGrowth < perWindow * 2048L, "native heap grew by a median " + medianGrowth / 1024 + " KiB per window of "
          + perWindow + " forwards: " + trace);
      assertTrue(inUse[windows] - inUse[0] < 32 << 20, "native heap grew by " + (inUse[windows] - inUse[0]) / 1024 + " KiB: " + trace);
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------

  /** A two-layer encoder forward on seeded weights and input; the output as floats. */
  private static float[] forward(Backend b, int batch, int seq) {
    try (TensorScope w = TensorScope.open()) {
      return forward(b, SeededEncoder.build(w, 2, 32, 4, 64, 11), batch, seq);
    }
  }

  /** A forward of {@code enc} on seeded input with padding. */
  private static float[] forward(Backend b, Encoder enc, int batch, int seq) {
    try (TensorScope s = TensorScope.open()) {
      int[] lengths = new int[batch];
      for (int i = 0; i < batch; i++) {
        lengths[i] = Math.max(1, seq - i);
      }
      Tensor x = s.of(Data.uniform(batch * 100L + seq, batch * seq * 32), batch, seq, 32);
      return enc.forward(b, s, x, AttentionMask.padding(lengths)).toArray();
    }
  }

  /**
   * The lowest of ten {@link #mallocInUse()} readings 20 ms apart: the JIT compiler's arenas (malloc'd, several MiB
   * while C2 compiles a large method) come and go; a leak stays.
   */
  private static long quietMallocInUse() {
    long min = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      min = Math.min(min, mallocInUse());
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return min;
  }

  /** glibc's {@code mallinfo2()}: bytes in use from the main arenas ({@code uordblks}) plus mmap'd blocks ({@code hblkhd}). */
  private static long mallocInUse() {
    Linker linker = Linker.nativeLinker();
    StructLayout info = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(10, ValueLayout.JAVA_LONG));
    MethodHandle h = linker.downcallHandle(linker.defaultLookup().find("mallinfo2").orElseThrow(), FunctionDescriptor.of(info));
    try (Arena a = Arena.ofConfined()) {
      MemorySegment m = (MemorySegment) h.invokeExact((SegmentAllocator) a);
      return m.getAtIndex(ValueLayout.JAVA_LONG, 4) + m.getAtIndex(ValueLayout.JAVA_LONG, 7);
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  private static long rssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  @Test
  void aMissingLibraryIsAReasonNotACrash() throws IOException, InterruptedException {
    String out = probe("-Dattn4j.onednn.library=/nonexistent/libdnnl.so.3", AvailabilityProbe.class.getName());
    assertTrue(out.contains("available=false"), out);
    assertTrue(out.contains("/nonexistent/libdnnl.so.3"), out);
  }

  /** Opening waits for the call stubs generated beside it; an interrupt then must not make oneDNN unusable for good. */
  @Test
  void anInterruptedFirstOpenStillLoadsTheLibraryAndKeepsTheInterrupt() throws IOException, InterruptedException {
    String out = probe(AvailabilityProbe.class.getName(), "--interrupted");
    assertTrue(out.contains("available=true") && out.contains("interrupted=true"), out);
  }

  /** Runs {@link AvailabilityProbe} in a child JVM with these arguments after the class path; returns its output. */
  private static String probe(String... args) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
