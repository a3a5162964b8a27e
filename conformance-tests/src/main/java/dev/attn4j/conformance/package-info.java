/**
 * The conformance suite for attn4j backends. A backend's build depends on
 * {@code dev.attn4j:attn4j-conformance-tests} in test scope and extends {@link dev.attn4j.conformance.BackendConformance}
 * in one line; tools run the same cases with {@link dev.attn4j.conformance.ConformanceRunner} and get a
 * {@link dev.attn4j.conformance.CaseResult} per case.
 *
 * <p>Cases come in four groups ({@link dev.attn4j.conformance.ConformanceSuite.Group}): every SPI kernel against a
 * float64 oracle, attention and encoder layers against a float64 layer oracle, BERT checkpoints against goldens computed
 * outside attn4j (the synthetic ones travel inside this jar), and determinism. Every error budget lives in
 * {@link dev.attn4j.conformance.Tolerances}, per kernel and {@link dev.attn4j.conformance.PrecisionClass}. The oracle
 * ({@link dev.attn4j.conformance.Oracle}, {@link dev.attn4j.conformance.LayerOracle}), comparison
 * ({@link dev.attn4j.conformance.Budget}), seeded data ({@link dev.attn4j.conformance.Data}) and
 * {@link dev.attn4j.conformance.Concurrency} helpers are public for a backend's own extra tests.
 *
 * <p>Stability: the entry points are stable since 0.1; cases are added over time.
 */
package dev.attn4j.conformance;
