/**
 * The conformance suite for attn4j backends: {@link dev.attn4j.conformance.BackendKernelTests} (every SPI kernel
 * against a float64 oracle with error budgets from float32 error analysis) and
 * {@link dev.attn4j.conformance.BackendLayerTests} (multi-head attention and encoder layers). A backend's build
 * depends on {@code dev.attn4j:attn4j-conformance-tests} in test scope and extends both classes, returning its
 * backend from {@code open()}. The oracle ({@link dev.attn4j.conformance.Oracle},
 * {@link dev.attn4j.conformance.LayerOracle}), budgets ({@link dev.attn4j.conformance.Budget}) and seeded data
 * ({@link dev.attn4j.conformance.Data}) are public for backend-specific tests.
 *
 * <p>Stability: experimental; the suite grows as kernels and models land (issue 5).
 */
package dev.attn4j.conformance;
