package dev.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attn4j conformance}: table and JSON, extra backends from a jar, exit status. */
class ConformanceCommandTest {
  @TempDir Path dir;

  private record Run(int status, String out) {}

  private static Run run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      int status = Main.run(args);
      return new Run(status, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(old);
    }
  }

  @Test
  void passingBackendExitsZeroWithMetricsInJson() throws IOException {
    Run r = run("conformance", "--backend", "java", "--group", "kernels,determinism", "--json");
    assertEquals(0, r.status(), r.out());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertTrue(j.path("passed").asBoolean());
    assertTrue(j.path("cases").size() > 200, "cases: " + j.path("cases").size());
    JsonNode gemm = j.path("cases").get(0);
    assertEquals("java", gemm.path("backend").asText());
    assertEquals("passed", gemm.path("status").asText());
    assertTrue(gemm.has("max_abs") && gemm.has("max_rel") && gemm.has("nmse") && gemm.has("ms"), gemm.toString());
  }

  @Test
  void aBrokenBackendFromAJarFailsTheRunAndTheTableSaysWhere() throws IOException {
    Path jar = dir.resolve("broken.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("META-INF/services/dev.attn4j.spi.BackendProvider"));
      out.write((BrokenTestProvider.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    Run r = run("conformance", "--jar", jar.toString(), "--backend", "broken-gemm", "--group", "kernels", "--failures-only");
    assertEquals(Main.FAILED, r.status(), r.out());
    assertTrue(r.out().contains("kernels: gemm / GEMM(m=1,n=1,k=1") && r.out().contains("FAIL"), r.out());
    assertTrue(r.out().contains("broken-gemm") && r.out().contains("failed"), r.out());
    assertFalse(r.out().contains(" pass "), "--failures-only prints no passing case");
  }

  @Test
  void unknownBackendOrMissingJarIsAUsageError() {
    assertEquals(Main.USAGE, run("conformance", "--backend", "nope").status());
    assertEquals(Main.USAGE, run("conformance", "--jar", dir.resolve("missing.jar").toString()).status());
    assertEquals(Main.USAGE, run("conformance", "--group", "everything").status());
  }
}
