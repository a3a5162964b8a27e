package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.models.onnx.internal.ConversionKey;
import dev.attn4j.models.onnx.internal.OnnxTensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a converted model's cache folder is keyed by: every input the conversion reads, and nothing else. */
class ConversionKeyTest {
  @TempDir Path dir;

  /** A graph whose one initializer lives in {@code weights.bin}. */
  private Path graphWithExternalData(Path folder) throws IOException {
    Files.createDirectories(folder);
    Proto tensor = new Proto().varint(1, 2).varint(2, OnnxTensor.FLOAT).string(8, "w")
        .message(13, new Proto().string(1, "location").string(2, "weights.bin"))
        .message(13, new Proto().string(1, "length").string(2, "8"))
        .varint(14, 1);
    Path onnx = folder.resolve("model.onnx");
    Files.write(onnx, new Proto().varint(1, 8).message(7, new Proto().message(5, tensor)).message(8, new Proto().varint(2, 14)).toBytes());
    Files.writeString(folder.resolve("tokenizer.json"), "{}");
    return onnx;
  }

  @Test
  void externalDataIsPartOfTheKey() throws IOException {
    Path a = graphWithExternalData(dir.resolve("a"));
    Path b = graphWithExternalData(dir.resolve("b"));
    Files.write(dir.resolve("a/weights.bin"), floats(1f, 2f));
    Files.write(dir.resolve("b/weights.bin"), floats(1f, 3f));
    assertEquals(-1, Files.mismatch(a, b), "the two graph files are byte for byte the same");
    String keyA = ConversionKey.ofFiles(a, a.resolveSibling("tokenizer.json"), null);
    assertNotEquals(keyA, ConversionKey.ofFiles(b, b.resolveSibling("tokenizer.json"), null), "only the external data differs");
    Files.write(dir.resolve("b/weights.bin"), Files.readAllBytes(dir.resolve("a/weights.bin")));
    assertEquals(keyA, ConversionKey.ofFiles(b, b.resolveSibling("tokenizer.json"), null), "same content in another folder, same key");
    assertTrue(keyA.startsWith(ConversionKey.FAMILY), keyA);
  }

  private static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  @Test
  void theTokenizerAndAGivenConfigArePartOfTheKey() throws IOException {
    Path onnx = graphWithExternalData(dir.resolve("m"));
    Files.write(dir.resolve("m/weights.bin"), new byte[8]);
    Path tok = onnx.resolveSibling("tokenizer.json");
    String plain = ConversionKey.ofFiles(onnx, tok, null);
    Path config = Files.writeString(dir.resolve("config.json"), "{\"hidden_act\": \"gelu\"}");
    String withConfig = ConversionKey.ofFiles(onnx, tok, config);
    assertNotEquals(plain, withConfig);
    Files.writeString(config, "{\"hidden_act\": \"relu\"}");
    assertNotEquals(withConfig, ConversionKey.ofFiles(onnx, tok, config));
    Files.writeString(tok, "{ }");
    assertNotEquals(plain, ConversionKey.ofFiles(onnx, tok, null));
    var missing = assertThrows(ModelFormatException.class, () -> ConversionKey.ofFiles(onnx, dir.resolve("nope.json"), null));
    assertTrue(missing.getMessage().contains("nope.json"), missing.getMessage());
  }

  @Test
  void aJarIsKeyedByItsModelEntriesOnly() throws IOException {
    Map<String, String> model = Map.of("m.onnx", "graph bytes", "m-tokenizer.json", "{\"model\": 1}");
    String key = jarKey(jar("a.jar", model, Map.of()));
    assertEquals(key, jarKey(jar("b.jar", model, Map.of("META-INF/MANIFEST.MF", "Created-By: someone else\n"))),
        "another jar (or version) carrying the same model maps the same folder");
    assertNotEquals(key, jarKey(jar("c.jar", Map.of("m.onnx", "graph bytes", "m-tokenizer.json", "{\"model\": 2}"), Map.of())));
    assertNotEquals(key, jarKey(jar("d.jar", Map.of("m.onnx", "graph byteS", "m-tokenizer.json", "{\"model\": 1}"), Map.of())));
    assertTrue(key.startsWith(ConversionKey.FAMILY), key);
  }

  private Path jar(String name, Map<String, String> entries, Map<String, String> extra) throws IOException {
    Path jar = dir.resolve(name);
    try (OutputStream os = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(os)) {
      for (Map<String, String> m : List.of(extra, entries)) {
        for (var e : new TreeMap<>(m).entrySet()) {
          zip.putNextEntry(new ZipEntry(e.getKey()));
          zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
          zip.closeEntry();
        }
      }
    }
    return jar;
  }

  private static String jarKey(Path jar) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      return ConversionKey.ofJar(zip, zip.getEntry("m.onnx"), zip.getEntry("m-tokenizer.json"));
    }
  }
}
