package dev.attn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.conformance.CaseResult.Status;
import dev.attn4j.conformance.ConformanceSuite.Group;
import dev.attn4j.spi.Availability;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The suite is tested too: each deliberately broken backend must fail, in the case that names its fault, while the
 * cases that do not touch the broken kernel still pass (so the verdict points at the right place).
 */
class BrokenBackendsTest {
  private static final EnumSet<Group> FAST = EnumSet.of(Group.KERNELS, Group.LAYERS, Group.DETERMINISM);

  private static List<CaseResult> run(String name, Supplier<Backend> backend) {
    return ConformanceRunner.run(ConformanceSuite.of(Fixtures.provider(name, backend)).withGroups(FAST), r -> {});
  }

  private static List<String> failed(List<CaseResult> results) {
    return results.stream().filter(r -> r.status() == Status.FAILED).map(r -> r.group() + ": " + r.name()).toList();
  }

  private static void assertCaught(List<CaseResult> results, Predicate<String> rightCase, Predicate<String> mustPass) {
    List<String> failed = failed(results);
    assertTrue(failed.stream().anyMatch(rightCase), "the fault was not caught by the case meant for it; failed: " + failed);
    List<String> wrong = failed.stream().filter(mustPass).toList();
    assertTrue(wrong.isEmpty(), "cases that do not use the broken kernel failed: " + wrong);
  }

  @Test
  void theCorrectBackendPassesEveryCase() {
    List<CaseResult> results = run("naive", NaiveGemmBackend::new);
    assertEquals(List.of(), failed(results));
    assertTrue(results.size() > 200, "only " + results.size() + " cases ran");
    CaseResult gemm = results.stream().filter(r -> r.name().startsWith("gemm / GEMM(m=130")).findFirst().orElseThrow();
    assertTrue(gemm.compared() == 130 * 70 && gemm.maxAbs() > 0 && gemm.maxAbs() < 1e-3 && gemm.nmse() < 1e-12, gemm.toString());
  }

  @Test
  void computingAfterCloseIsCaughtByTheLifecycleCase() {
    List<CaseResult> r = run("ignores-close", Fixtures.IgnoresClose::new);
    assertEquals(List.of("kernels: CLOSE twice, then gemm and every overridden kernel throw IllegalStateException"), failed(r));
    CaseResult c = r.stream().filter(x -> x.name().startsWith("CLOSE")).findFirst().orElseThrow();
    assertTrue(c.message().contains("gemm(7 arguments) returned normally"), c.message());
  }

  @Test
  void softmaxIgnoringTheMaskIsCaughtByTheMaskedCases() {
    List<CaseResult> r = run("softmax-ignores-mask", Fixtures.SoftmaxIgnoresMask::new);
    assertCaught(r, n -> n.contains("SOFTMAX(") && n.contains("mask=random"), n -> n.contains("GEMM") || n.contains("mask=none"));
    assertTrue(failed(r).stream().anyMatch(n -> n.contains("ATTENTION(") && n.contains("mask=padding")), failed(r).toString());
  }

  @Test
  void gemmSkippingTheLastColumnIsCaughtByTheGemmCases() {
    List<CaseResult> r = run("gemm-skips-last-column", Fixtures.GemmSkipsLastColumn::new);
    assertCaught(r, n -> n.startsWith("kernels: gemm / GEMM(m="), n -> n.contains("SOFTMAX") || n.contains("LAYER_NORM") || n.contains("ACTIVATE"));
    CaseResult c = r.stream().filter(x -> x.name().contains("GEMM(m=7,n=13,k=17")).findFirst().orElseThrow();
    assertTrue(c.message().contains("expected") && c.message().contains("NaN"), c.message());
  }

  @Test
  void layerNormWithTheWrongEpsIsCaughtByTheEpsCases() {
    List<CaseResult> r = run("layer-norm-wrong-eps", Fixtures.LayerNormWrongEps::new);
    assertCaught(r, n -> n.contains("LAYER_NORM(") && n.contains("variance~eps"), n -> n.contains("GEMM") || n.contains("SOFTMAX") || n.contains("ATTENTION("));
  }

  @Test
  void anUnwrittenElementIsCaughtByThePoisonedOutput() {
    List<CaseResult> r = run("attention-leaves-element", Fixtures.AttentionLeavesElementUnwritten::new);
    assertCaught(r, n -> n.contains("ATTENTION(batch=1,sq=1,sk=1,d=1"), n -> n.contains("GEMM") || n.contains("SOFTMAX") || n.contains("LAYER_NORM"));
    CaseResult c = r.stream().filter(x -> x.name().contains("ATTENTION(batch=2,sq=5")).findFirst().orElseThrow();
    assertTrue(c.message().contains("element 0") && c.message().contains("NaN"), c.message());
  }

  @Test
  void differentBitsOnEachCallAreCaughtByTheRepeatCases() {
    List<CaseResult> r = run("nondeterministic-gemm", Fixtures.NondeterministicGemm::new);
    List<String> failed = failed(r);
    assertTrue(failed.stream().anyMatch(n -> n.startsWith("determinism: REPEAT") && n.contains("GEMM")), failed.toString());
    assertTrue(failed.stream().allMatch(n -> n.startsWith("determinism: REPEAT")), "one ulp is within every numeric budget: " + failed);
  }

  @Test
  void anUnavailableBackendFailsTheRunWithItsReason() {
    BackendProvider missing = new BackendProvider() {
      @Override
      public String name() {
        return "missing";
      }

      @Override
      public int priority() {
        return 0;
      }

      @Override
      public Availability availability() {
        return Availability.unavailable("libmissing.so.1 not found in /usr/lib or -Dmissing.library");
      }

      @Override
      public Backend create(BackendOptions options) {
        throw new IllegalStateException("unavailable");
      }
    };
    List<CaseResult> r = ConformanceRunner.run(ConformanceSuite.of(missing), x -> {});
    assertEquals(1, r.size());
    assertFalse(r.getFirst().passed());
    assertTrue(r.getFirst().message().contains("libmissing.so.1 not found"), r.getFirst().message());
  }

  @Test
  void acrossThreadsIsReportedNotRequired() {
    List<CaseResult> r = ConformanceRunner.run(ConformanceSuite.of(Fixtures.provider("naive", NaiveGemmBackend::new)).withGroups(EnumSet.of(Group.DETERMINISM)),
        x -> {});
    CaseResult across = r.stream().filter(x -> x.name().startsWith("ACROSS THREADS")).findFirst().orElseThrow();
    assertTrue(across.passed() && across.message().contains("identical"), across.toString());
  }

  /** Outside this repository the suite has only the checkpoints packaged in its jar: those run, the real ones are skipped with a hint. */
  @Test
  void packagedCheckpointsRunWithoutTheRefsFolder() {
    String old = System.getProperty(ReferenceData.PROPERTY);
    try {
      System.clearProperty(ReferenceData.PROPERTY);
      List<CaseResult> r = ConformanceRunner.run(ConformanceSuite.of(Fixtures.provider("naive", NaiveGemmBackend::new)).withGroups(EnumSet.of(Group.MODELS)),
          x -> {});
      assertEquals(List.of(), failed(r));
      assertTrue(r.stream().filter(CaseResult::passed).anyMatch(x -> x.name().contains("synthetic-bert-tiny/")), r.toString());
      assertTrue(r.stream().filter(CaseResult::passed).anyMatch(x -> x.name().startsWith("task heads / HEAD qa/")), r.toString());
      CaseResult real = r.stream().filter(x -> x.name().contains("all-MiniLM")).findFirst().orElseThrow();
      assertEquals(Status.SKIPPED, real.status());
      assertTrue(real.message().contains("-Dattn4j.refs"), real.message());
    } finally {
      if (old != null) {
        System.setProperty(ReferenceData.PROPERTY, old);
      }
    }
  }
}
