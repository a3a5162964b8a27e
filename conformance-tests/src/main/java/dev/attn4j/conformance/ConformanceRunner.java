package dev.attn4j.conformance;

import dev.attn4j.conformance.CaseResult.Status;
import dev.attn4j.conformance.ConformanceSuite.Group;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.opentest4j.TestAbortedException;

/**
 * Runs a {@link ConformanceSuite} without a test engine (for the {@code attn4j conformance} command and for tools)
 * and reports every case with its error statistics and time. Stateless and thread-safe; one run uses the calling
 * thread.
 *
 * <p>Stability: stable since 0.1.
 */
public final class ConformanceRunner {
  private ConformanceRunner() {}

  /**
   * Runs every case of {@code suite}, calling {@code progress} after each. An unavailable backend or one that
   * fails to open yields a single failed case named {@code backend available}.
   */
  public static List<CaseResult> run(ConformanceSuite suite, Consumer<CaseResult> progress) {
    List<CaseResult> results = new ArrayList<>();
    Consumer<CaseResult> sink = r -> {
      results.add(r);
      progress.accept(r);
    };
    ConformanceSuite.Session session;
    long t0 = System.nanoTime();
    try {
      session = suite.open();
    } catch (RuntimeException | LinkageError e) {
      sink.accept(new CaseResult(suite.label(), "setup", "backend available", Status.FAILED, 0, 0, 0, 0, Duration.ofNanos(System.nanoTime() - t0),
          String.valueOf(e.getMessage())));
      return results;
    }
    try (session) {
      for (Group g : Group.values()) {
        String group = g.name().toLowerCase(Locale.ROOT);
        List<DynamicNode> nodes;
        try {
          nodes = session.nodes(g);
        } catch (RuntimeException e) {
          sink.accept(new CaseResult(suite.label(), group, "build the " + group + " cases", Status.FAILED, 0, 0, 0, 0, Duration.ZERO, describe(e)));
          continue;
        }
        for (DynamicNode n : nodes) {
          walk(suite.label(), group, "", n, sink);
        }
      }
    }
    return results;
  }

  /**
   * Records a remark for the case running on this thread, shown in its report even when it passes; under a test
   * engine (no runner) it is printed instead.
   */
  static void note(String text) {
    Metrics m = Metrics.current();
    if (m != null) {
      m.note(text);
    } else {
      System.out.println("[attn4j conformance] " + text);
    }
  }

  private static void walk(String backend, String group, String prefix, DynamicNode node, Consumer<CaseResult> sink) {
    if (node instanceof DynamicContainer c) {
      String p = prefix + c.getDisplayName() + " / ";
      c.getChildren().forEachOrdered(child -> walk(backend, group, p, child, sink));
      return;
    }
    DynamicTest test = (DynamicTest) node;
    Metrics metrics = Metrics.begin();
    long start = System.nanoTime();
    Status status = Status.PASSED;
    String message = "";
    try {
      test.getExecutable().execute();
    } catch (TestAbortedException e) {
      status = Status.SKIPPED;
      message = e.getMessage();
    } catch (Throwable e) {
      if (e instanceof VirtualMachineError && !(e instanceof OutOfMemoryError)) {
        throw (VirtualMachineError) e;
      }
      status = Status.FAILED;
      message = describe(e);
    } finally {
      Metrics.end();
    }
    Duration time = Duration.ofNanos(System.nanoTime() - start);
    if (message.isEmpty()) {
      message = metrics.note();
    }
    sink.accept(new CaseResult(backend, group, prefix + test.getDisplayName(), status, metrics.maxAbs(), metrics.maxRel(), metrics.nmse(),
        metrics.compared(), time, message));
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e instanceof AssertionError ? String.valueOf(m) : e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
