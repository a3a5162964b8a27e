package dev.attn4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's float32 FMA peak on {@code threads} threads, measured with a short register-resident loop: 8
 * independent FMA chains at the CPU's preferred vector width, about 0.3 s. A yardstick for GFLOP/s figures, not a
 * precise benchmark (JMH's PeakFmaBenchmark is).
 */
final class PeakFma {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private PeakFma() {}

  static double measure(int threads) throws InterruptedException {
    // Many short calls: the first ones get the loop compiled by C2 (Vector API intrinsics need it); the best of the
    // last ones is the figure.
    for (int i = 0; i < 200; i++) {
      loop(20_000);
    }
    DoubleAdder gflops = new DoubleAdder();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(Thread.ofPlatform().start(() -> {
        long iters = 200_000;
        double best = 0;
        float sink = 0;
        for (int rep = 0; rep < 100; rep++) {
          long t0 = System.nanoTime();
          sink += loop(iters);
          best = Math.max(best, iters * 8.0 * 2 * S.length() / (System.nanoTime() - t0));
        }
        gflops.add(best + (sink == 42 ? 1e-9 : 0));
      }));
    }
    for (Thread w : workers) {
      w.join();
    }
    return gflops.sum();
  }

  private static float loop(long iters) {
    FloatVector a = FloatVector.broadcast(S, 0.999999f);
    FloatVector b = FloatVector.broadcast(S, 1e-7f);
    FloatVector c0 = FloatVector.broadcast(S, 1f);
    FloatVector c1 = c0.add(1f);
    FloatVector c2 = c0.add(2f);
    FloatVector c3 = c0.add(3f);
    FloatVector c4 = c0.add(4f);
    FloatVector c5 = c0.add(5f);
    FloatVector c6 = c0.add(6f);
    FloatVector c7 = c0.add(7f);
    for (long i = 0; i < iters; i++) {
      c0 = c0.fma(a, b);
      c1 = c1.fma(a, b);
      c2 = c2.fma(a, b);
      c3 = c3.fma(a, b);
      c4 = c4.fma(a, b);
      c5 = c5.fma(a, b);
      c6 = c6.fma(a, b);
      c7 = c7.fma(a, b);
    }
    return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }
}
