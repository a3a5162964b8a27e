package dev.attn4j.conformance;

/**
 * Every error budget of the suite, per kernel and per {@link PrecisionClass}, each with its justification from
 * floating-point error analysis. Element bounds take the float64 quantities they scale with (for a product,
 * {@code mag = sum |a||b|}); budgets of whole layers and models are absolute.
 *
 * <p>Notation: {@code u = 2^-24}, the unit roundoff of float32; {@code ub = 2^-8}, that of bfloat16 (a product
 * of two operands each rounded to bf16 is off by at most {@code 2 ub + ub^2} relative). For {@link
 * PrecisionClass#F32} the bf16 terms are zero. Immutable and thread-safe.
 *
 * <p>Stability: stable since 0.1 (budgets may tighten as analysis improves, never loosen silently).
 */
public final class Tolerances {
  /** Unit roundoff of float32. */
  public static final double U = 0x1p-24;
  /** Unit roundoff of bfloat16. */
  public static final double UB = 0x1p-8;
  /** Keeps a zero bound from failing an exact zero compared with a denormal. */
  private static final double TINY = 1e-30;

  private static final Tolerances F32 = new Tolerances(PrecisionClass.F32);
  private static final Tolerances BF16 = new Tolerances(PrecisionClass.BF16);

  private final PrecisionClass precision;
  /** Relative error of one product from operand rounding: 0 for f32, {@code 2 ub + ub^2} for bf16. */
  private final double operands;

  private Tolerances(PrecisionClass precision) {
    this.precision = precision;
    this.operands = precision == PrecisionClass.BF16 ? 2 * UB + UB * UB : 0;
  }

  /** The budgets of a precision class. */
  public static Tolerances of(PrecisionClass precision) {
    return precision == PrecisionClass.BF16 ? BF16 : F32;
  }

  /** The class these budgets are for. */
  public PrecisionClass precision() {
    return precision;
  }

  // ---- kernels ------------------------------------------------------------------------------------

  /**
   * GEMM element {@code alpha (A B)_ij + beta C_ij}: a float32 dot product of length k is within
   * {@code gamma_k sum|a||b|}, {@code gamma_k ~ k u}, whatever the summation order (blocking, FMA, threads), plus
   * one rounding each for alpha and the sum: {@code ((k + 2) u + ops) |alpha| mag + 3 u |beta c|}.
   */
  public double gemm(int k, double alpha, double mag, double betaC) {
    return ((k + 2) * U + operands) * Math.abs(alpha) * mag + 3 * U * Math.abs(betaC) + TINY;
  }

  /** GEMM with alpha 1 and beta 0: {@code ((k + 2) u + ops) mag}. */
  public double product(int k, double mag) {
    return gemm(k, 1, mag, 0);
  }

  /**
   * GELU computes Phi with a fit of relative error 1.2e-7 and one exp, plus ~16 float roundings: {@code 16 u |x|}
   * (the output never exceeds |x|); the tanh form likewise. ReLU and identity are exact.
   */
  public double activation(boolean exact, double x) {
    return exact ? 0 : 16 * U * Math.abs(x) + 1e-37;
  }

  /**
   * Softmax probability p of a row of n with shifted logit z: each logit is rounded (relative u, amplified by |z|
   * through exp), exp adds ~2 u, the float sum of n terms at most n u relative: {@code (n + 8 + |z|) u p}.
   */
  public double softmax(int n, double z, double p) {
    return (n + 8 + Math.abs(z)) * U * p + 1e-38;
  }

  /**
   * Layer norm of n values: mean and variance summed in float carry up to ~n u relative each (two passes, so an
   * offset costs only |mean| u per element); normalizing adds a few u:
   * {@code (2n + 16) u (|y - beta| + |beta|) + 8 u |mean| / sigma |gamma|}.
   */
  public double layerNorm(int n, double y, double beta, double meanOverSigma, double gamma) {
    return (2 * n + 16) * U * (Math.abs(y - beta) + Math.abs(beta)) + 8 * U * Math.abs(meanOverSigma) * Math.abs(gamma) + TINY;
  }

  /** {@code terms} float additions: {@code terms u} relative to the sum of the magnitudes involved. */
  public double additions(int terms, double magnitudes) {
    return terms * U * magnitudes + 1e-38;
  }

  /**
   * Linear with bias and GELU: the GEMM bound with one more rounding for the bias, carried through GELU
   * ({@code |gelu'| <= 1.13}), plus GELU's own {@code 16 u}.
   */
  public double linearGelu(int in, double mag, double bias, double pre) {
    return 1.13 * ((in + 3) * U + operands) * (mag + Math.abs(bias)) + 16 * U * Math.abs(pre) + TINY;
  }

  /** Error of one attention logit {@code scale q.k} over head size d: the GEMM bound, {@code ((d + 2) u + ops) scale mag}. */
  public double attentionLogit(int d, double scale, double mag) {
    return ((d + 2) * U + operands) * Math.abs(scale) * mag;
  }

  /**
   * Attention probability p over sk keys, with ds the largest logit error: softmax turns a logit error into a
   * relative probability error of at most ~2 ds, plus its own {@code (sk + 8) u}.
   */
  public double attentionProbability(double ds, int sk, double p) {
    return (2 * ds + (sk + 8) * U) * p + TINY;
  }

  /**
   * Attention output element, with {@code pv = sum_j p_j |v_j|}: the probability error plus the second product's
   * {@code (sk + 2) u + ops}: {@code (2 ds + (2 sk + 10) u + ops) pv}.
   */
  public double attentionOutput(double ds, int sk, double pv) {
    return (2 * ds + (2 * sk + 10) * U + operands) * pv + TINY;
  }

  // ---- layers -------------------------------------------------------------------------------------

  /**
   * Absolute budget of a whole encoder layer (or attention block) of width {@code hidden} with weights of magnitude
   * <= 0.3 and inputs in [-1, 1]: the per-operation f32 bounds summed over six products, softmax and two layer norms,
   * with normalized activations of magnitude <= 4, stay below {@code 64 hidden u}. bf16 adds the operand rounding of
   * those six products, {@code 6 * 2 ub} relative on terms of magnitude <= 1 after normalization, with a factor 2 for
   * the layer norm that follows (it divides by sigma ~ 0.5).
   */
  public double layer(int hidden) {
    return 64 * hidden * U + 2 * 6 * operands;
  }

  /** Attention probabilities out of a multi-head block: logits carry ~ (hidden + head) u relative error, far below 1e-5. */
  public double layerProbabilities() {
    return 1e-5 + 4 * operands;
  }

  // ---- models against goldens (../shared/refs, computed in float64 outside attn4j) ---------------

  /**
   * {@code last_hidden_state} at real tokens: 1e-4 (float32 implementations land near 5e-6 on these checkpoints,
   * refs/README.md). bf16: 2 ub relative per product over 6-12 layers, each renormalized by layer norm, on hidden
   * states of magnitude up to ~10: 0.5 absolute; the L2-normalized embeddings below are the sharper bf16 check.
   */
  public double hiddenState() {
    return precision == PrecisionClass.BF16 ? 0.5 : 1e-4;
  }

  /** {@code last_hidden_state} at padded positions; some checkpoints are touchy there (refs/README.md). */
  public double paddedHiddenState(double checkpointTolerance) {
    return precision == PrecisionClass.BF16 ? 0.5 : checkpointTolerance;
  }

  /**
   * Unit-scale outputs of a forward pass (L2-normalized embeddings, attention probabilities,
   * head probabilities): 1e-5 in f32 (refs/README.md). bf16: 2 ub relative per product, partly cancelling through the
   * layers: 0.02.
   */
  public double unitScale() {
    return precision == PrecisionClass.BF16 ? 0.02 : 1e-5;
  }

  /**
   * The pooler, {@code tanh(W h_CLS + b)}: 1e-5 in f32 (refs/README.md). bf16: one more bf16 product over the hidden
   * size on top of the hidden-state error, through tanh ({@code |tanh'| <= 1}): 0.05 (measured up to 0.028 on
   * synthetic-bert-tiny).
   */
  public double pooler() {
    return precision == PrecisionClass.BF16 ? 0.05 : 1e-5;
  }

  /**
   * Task-head logits (sequence and token classification, NSP, QA start/end, span scores): 1e-4 f32, as hidden states;
   * masked-LM logits are a product over the whole hidden size with the tied embeddings: 2e-4. bf16: 0.5, as hidden
   * states.
   */
  public double logits(boolean maskedLm) {
    return precision == PrecisionClass.BF16 ? 0.5 : maskedLm ? 2e-4 : 1e-4;
  }

  @Override
  public String toString() {
    return "Tolerances[" + precision + "]";
  }
}
