package dev.attn4j.conformance;

import java.time.Duration;

/**
 * The verdict of one conformance case on one backend, as {@link ConformanceRunner} reports it. Error statistics
 * cover every value the case compared with its float64 or golden reference ({@code compared} of them); cases that
 * check behaviour rather than numbers (errors raised, bits repeated) compare nothing and report zeros. Immutable.
 *
 * @param backend the backend's label (its name, plus options when several runs share a name)
 * @param group the case family: {@code kernels}, {@code layers}, {@code models} or {@code determinism}
 * @param name the case, with its shape and seed
 * @param status whether it passed
 * @param maxAbs largest {@code |actual - expected|}
 * @param maxRel largest error relative to {@code |expected|} (floored at 1e-3 of the largest |expected|)
 * @param nmse normalized mean squared error {@code sum (a - e)^2 / sum e^2}
 * @param compared how many values were compared
 * @param time wall time of the case
 * @param message why it failed, or what it reports (determinism across thread counts); empty otherwise
 */
public record CaseResult(String backend, String group, String name, Status status, double maxAbs, double maxRel, double nmse, long compared,
    Duration time, String message) {

  /** Outcome of a case. */
  public enum Status {
    PASSED,
    FAILED,
    /** Not run here: its reference data is not available (the message says which). */
    SKIPPED
  }

  /** Whether the case passed. */
  public boolean passed() {
    return status == Status.PASSED;
  }
}
