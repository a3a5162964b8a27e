package dev.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code attn4j bench}: the JSON contract, ONNX Runtime side by side, and argument errors (no timing is asserted). */
class BenchCommandTest {
  private static JsonNode runJson(String... args) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.run(args));
    } finally {
      System.setOut(old);
    }
    return new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
  }

  @Test
  void everyBackendAndOnnxRuntimeOnTheDefaultModel() throws Exception {
    JsonNode j = runJson("bench", "--vs", "onnxruntime", "--seq", "16", "--batch", "1,2", "--runs", "2", "--warmup", "0", "--threads", "1", "--peak", "100",
        "--json");
    assertEquals(100.0, j.path("peak_gflops").asDouble());
    JsonNode results = j.path("results");
    assertTrue(results.size() >= 4, results.toString());
    boolean sawOrt = false;
    for (JsonNode r : results) {
      assertEquals(2, r.path("ms").size());
      assertTrue(r.path("median_ms").asDouble() > 0 && r.path("gflops").asDouble() > 0, r.toString());
      assertEquals(Math.min(r.path("ms").get(0).asDouble(), r.path("ms").get(1).asDouble()), r.path("min_ms").asDouble(), r.toString());
      if (r.path("engine").asText().equals("onnxruntime")) {
        sawOrt = true;
        assertTrue(r.path("max_abs_diff_vs_onnxruntime").isMissingNode(), r.toString());
      } else {
        assertTrue(r.path("ratio_vs_onnxruntime").asDouble() > 0, r.toString());
        // Same weights, same input: every backend agrees with ONNX Runtime (f32 on both sides; the goldens allow 1e-4).
        double diff = r.path("max_abs_diff_vs_onnxruntime").asDouble(Double.NaN);
        assertTrue(diff >= 0 && diff < 1e-4, r.toString());
        JsonNode ort = null;
        for (JsonNode o : results) {
          if (o.path("engine").asText().equals("onnxruntime") && o.path("batch").equals(r.path("batch")) && o.path("seq").equals(r.path("seq"))) {
            ort = o;
          }
        }
        assertEquals(r.path("min_ms").asDouble() / ort.path("min_ms").asDouble(), r.path("best_ratio_vs_onnxruntime").asDouble(), 1e-12, r.toString());
      }
    }
    assertTrue(sawOrt);
  }

  @Test
  void aModelFolderAndAPreset() throws Exception {
    Path tiny = Path.of(System.getProperty("attn4j.refs", "../../shared/refs")).resolve("synthetic-bert-tiny");
    JsonNode j = runJson("bench", "--model", tiny.toString(), "--backend", "java", "--seq", "8", "--runs", "1", "--warmup", "2", "--peak", "100", "--json");
    assertEquals("java", j.path("results").get(0).path("engine").asText());
    assertEquals(2, j.path("results").get(0).path("warmup_runs").asInt());
    // A warm-up past its time budget stops after its first run.
    JsonNode capped = runJson("bench", "--preset", "minilm", "--backend", "java", "--seq", "8", "--runs", "1", "--warmup", "50", "--warmup-seconds", "0",
        "--peak", "100", "--json");
    assertEquals(1, capped.path("results").get(0).path("warmup_runs").asInt());
    // FLOPs: 2 * 1 * 8 * 3 layers * (4 * 96^2 + 2 * 96 * 384 + 2 * 8 * 96) per forward.
    assertEquals(2.0 * 8 * 3 * (4 * 96 * 96 + 2 * 96 * 384 + 2 * 8 * 96), BenchCommand.flops(new int[] {3, 96, 4, 384}, 1, 8));
  }

  @Test
  void aPresetAgainstOnnxRuntimeRunsBothOnItsExport() throws Exception {
    JsonNode j = runJson("bench", "--preset", "minilm", "--vs", "onnxruntime", "--backend", "java", "--seq", "8", "--runs", "1", "--warmup", "0",
        "--threads", "1", "--peak", "100", "--json");
    assertEquals("preset minilm as an ONNX export, embeddings included", j.path("model").asText());
    assertEquals(List.of(6, 384, 12, 1536), List.of(j.path("layers").asInt(), j.path("hidden").asInt(), j.path("heads").asInt(), j.path("ffn").asInt()));
    JsonNode java = j.path("results").get(0);
    assertEquals("java", java.path("engine").asText());
    assertEquals("onnxruntime", j.path("results").get(1).path("engine").asText());
    double diff = java.path("max_abs_diff_vs_onnxruntime").asDouble(Double.NaN);
    assertTrue(diff >= 0 && diff < 1e-4, java.toString());
  }

  @Test
  void profileSaysWhereTheTimeGoesPerKernel() {
    Path tiny = Path.of(System.getProperty("attn4j.refs", "../../shared/refs")).resolve("synthetic-bert-tiny");
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.run("bench", "--model", tiny.toString(), "--backend", "java", "--seq", "8", "--runs", "2", "--warmup", "0", "--peak", "100",
          "--settle-ms", "0", "--profile"));
    } finally {
      System.setOut(old);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    // 3 layers: 4 linear calls each, and one attention call each.
    assertTrue(out.contains("profile java, batch 1 x 8") && out.contains("median of 2 forwards") && out.contains("attention")
        && out.matches("(?s).*attention\\s+[0-9.]+ ms\\s+[0-9.]+% +3 calls.*") && out.matches("(?s).*outside kernel calls\\s+-?[0-9.]+ ms.*"), out);
    // The time outside kernel calls split by where it falls: each part a real duration within the forward.
    Matcher total = Pattern.compile("batch 1 x 8: ([0-9.]+) ms").matcher(out);
    assertTrue(total.find(), out);
    for (String part : new String[] {"before the first call", "after the last call"}) {
      Matcher m = Pattern.compile("of which " + part + "\\s+(-?[0-9.]+) ms").matcher(out);
      assertTrue(m.find(), out);
      double ms = Double.parseDouble(m.group(1));
      assertTrue(ms >= 0 && ms < Double.parseDouble(total.group(1)), part + ": " + out);
    }
  }

  @Test
  void badArgumentsAreUsageErrors() {
    assertEquals(Main.USAGE, Main.run("bench", "--preset", "gpt-9"));
    assertEquals(Main.USAGE, Main.run("bench", "--vs", "tensorflow"));
    assertEquals(Main.USAGE, Main.run("bench", "--seq", "100000", "--runs", "1", "--peak", "1"));
    assertEquals(Main.USAGE, Main.run("bench", "--runs", "0"));
  }

  @Test
  void optionsReachTheBackend() {
    // oneDNN rejects a precision it does not know, naming it: the property got there.
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertEquals(Main.USAGE, Main.run("bench", "--preset", "minilm", "--backend", "onednn", "--option", "onednn.precision=fp8", "--runs", "1", "--peak", "1"));
    } finally {
      System.setErr(old);
    }
    String err = buf.toString(StandardCharsets.UTF_8);
    assertTrue(err.contains("fp8"), err);
  }
}
