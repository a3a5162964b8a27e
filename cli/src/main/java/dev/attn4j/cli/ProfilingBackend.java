package dev.attn4j.cli;

import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.Capability;
import dev.attn4j.spi.PreparedWeight;
import dev.attn4j.spi.Transpose;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Wraps a backend and adds up the wall time of each SPI call the model makes (for {@code bench --profile}): where a
 * forward pass spends its time, per kernel. Calls a kernel makes internally are inside its own figure. Not
 * thread-safe: profile single-caller runs.
 */
final class ProfilingBackend implements Backend {
  private final Backend d;
  private final Map<String, long[]> nanos = new TreeMap<>();
  /** {@link System#nanoTime()} at the start of the first call since {@link #reset()} and at the end of the last one. */
  private long firstStart = -1;
  private long lastEnd = -1;

  ProfilingBackend(Backend delegate) {
    this.d = delegate;
  }

  /** Kernel name (with the activation where there is one) to {total ns, calls}. */
  Map<String, long[]> totals() {
    return nanos;
  }

  void reset() {
    nanos.clear();
    firstStart = -1;
    lastEnd = -1;
  }

  /** When the first call since {@link #reset()} started, or -1. */
  long firstStart() {
    return firstStart;
  }

  /** When the last call since {@link #reset()} ended, or -1. */
  long lastEnd() {
    return lastEnd;
  }

  private void add(String kernel, long t0) {
    long t1 = System.nanoTime();
    long[] v = nanos.computeIfAbsent(kernel, k -> new long[2]);
    v[0] += t1 - t0;
    v[1]++;
    if (firstStart < 0) {
      firstStart = t0;
    }
    lastEnd = t1;
  }

  @Override
  public String name() {
    return d.name();
  }

  @Override
  public String description() {
    return d.description();
  }

  @Override
  public int threads() {
    return d.threads();
  }

  @Override
  public Set<Capability> capabilities() {
    return d.capabilities();
  }

  @Override
  public void gemm(float alpha, Tensor a, Transpose transA, Tensor b, Transpose transB, float beta, Tensor c) {
    long t0 = System.nanoTime();
    d.gemm(alpha, a, transA, b, transB, beta, c);
    add(a.rank() > 2 || c.rank() > 2 ? "gemm (batched)" : "gemm", t0);
  }

  @Override
  public void addBias(Tensor x, Tensor bias) {
    long t0 = System.nanoTime();
    d.addBias(x, bias);
    add("addBias", t0);
  }

  @Override
  public void add(Tensor x, Tensor y) {
    long t0 = System.nanoTime();
    d.add(x, y);
    add("add", t0);
  }

  @Override
  public void activate(Tensor x, Activation activation) {
    long t0 = System.nanoTime();
    d.activate(x, activation);
    add("activate " + activation, t0);
  }

  @Override
  public void softmax(Tensor x, float scale, Tensor mask) {
    long t0 = System.nanoTime();
    d.softmax(x, scale, mask);
    add("softmax", t0);
  }

  @Override
  public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    long t0 = System.nanoTime();
    d.layerNorm(x, gamma, beta, eps);
    add("layerNorm", t0);
  }

  @Override
  public void addLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
    long t0 = System.nanoTime();
    d.addLayerNorm(x, residual, gamma, beta, eps);
    add("addLayerNorm", t0);
  }

  @Override
  public void linear(Tensor x, Tensor weight, Tensor bias, Activation activation, Tensor out) {
    long t0 = System.nanoTime();
    d.linear(x, weight, bias, activation, out);
    add("linear " + activation + " [" + weight.dim(0) + "x" + weight.dim(1) + "]", t0);
  }

  @Override
  public PreparedWeight prepareWeight(Tensor weight) {
    return d.prepareWeight(weight);
  }

  @Override
  public void linear(Tensor x, Tensor weight, PreparedWeight prepared, Tensor bias, Activation activation, Tensor out) {
    long t0 = System.nanoTime();
    d.linear(x, weight, prepared, bias, activation, out);
    add("linear " + activation + " [" + weight.dim(0) + "x" + weight.dim(1) + "]", t0);
  }

  @Override
  public void scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, float scale, Tensor out, Tensor probs) {
    long t0 = System.nanoTime();
    d.scaledDotProductAttention(q, k, v, mask, scale, out, probs);
    add("attention", t0);
  }

  @Override
  public void close() {
    d.close();
  }
}
