package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.safetensors.SafeTensors;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed file is a {@link ModelFormatException} naming the file and entry, never a crash or a silent misread. */
class SafeTensorsTest {
  @TempDir Path dir;

  private Path write(String header, byte[] data) throws IOException {
    return writeRaw(header.getBytes(StandardCharsets.UTF_8).length, header, data);
  }

  private Path writeRaw(long declaredLength, String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.putLong(declaredLength).put(h).put(data);
    Path f = Files.createTempFile(dir, "t", ".safetensors");
    Files.write(f, buf.array());
    return f;
  }

  private static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  private void rejected(Path f, String... fragments) {
    var e = assertThrows(ModelFormatException.class, () -> {
      try (SafeTensors st = SafeTensors.open(f); TensorScope s = TensorScope.open()) {
        for (String n : st.names()) {
          st.tensor(n, s);
        }
      }
    });
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    for (String frag : fragments) {
      assertTrue(e.getMessage().contains(frag), "'" + frag + "' missing from: " + e.getMessage());
    }
  }

  /** What {@code write} writes, {@code open} reads back: values, shapes and metadata; a transposed view as the elements it addresses. */
  @Test
  void writeThenOpenRoundTrips() throws IOException {
    Path f = dir.resolve("w.safetensors");
    try (TensorScope scope = TensorScope.open()) {
      var m = scope.allocate(2, 3);
      m.copyFrom(new float[] {1, 2, 3, 4, 5, 6});
      var v = scope.allocate(5);
      v.copyFrom(new float[] {-1.5f, 0, 1e-30f, 3e30f, 7});
      SafeTensors.write(f, java.util.Map.of("m", m, "t", m.transpose(), "v", v), java.util.Map.of("format", "pt"));
      try (SafeTensors st = SafeTensors.open(f)) {
        assertEquals(java.util.Set.of("m", "t", "v"), st.names());
        assertEquals("pt", st.metadata().get("format"));
        assertArrayEquals(m.toArray(), st.tensor("m", scope).toArray());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, st.tensor("t", scope).toArray());
        assertEquals("[3, 2]", st.tensor("t", scope).shape().toString());
        assertArrayEquals(v.toArray(), st.tensor("v", scope).toArray());
      }
      assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> SafeTensors.write(f, java.util.Map.of("v", v), java.util.Map.of()));
    }
  }

  @Test
  void readsF32InPlaceAndConvertsHalfPrecision() throws IOException {
    ByteBuffer half = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    half.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-2f));
    half.putShort((short) (Float.floatToIntBits(3f) >>> 16)).putShort((short) (Float.floatToIntBits(-0.5f) >>> 16));
    byte[] data = new byte[8 + 8];
    System.arraycopy(floats(1f, 2f), 0, data, 0, 8);
    System.arraycopy(half.array(), 0, data, 8, 8);
    // Header padded to a multiple of 8 so the F32 data is aligned.
    String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[8,12]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]},\"__metadata__\":{\"format\":\"pt\"}}";
    while ((header.length() + 8) % 8 != 0) {
      header += " ";
    }
    Path f = write(header, data);
    try (SafeTensors st = SafeTensors.open(f); TensorScope s = TensorScope.open()) {
      assertArrayEquals(new float[] {1f, 2f}, st.tensor("a", s).toArray());
      assertArrayEquals(new float[] {1.5f, -2f}, st.tensor("h", s).toArray());
      assertArrayEquals(new float[] {3f, -0.5f}, st.tensor("b", s).toArray());
      assertEquals("pt", st.metadata().get("format"));
    }
  }

  @Test
  void malformedFilesAreRejectedWithTheReason() throws IOException {
    byte[] eight = floats(1f, 2f);
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]", eight), "not valid JSON");
    rejected(write("[1,2]", eight), "JSON object");
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight),
        "not valid JSON", "a");
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", eight), "'a'", "needs 12 bytes");
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", eight), "'a'", "outside the data section");
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", eight), "'a'");
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight),
        "overlap");
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight), "'a' [4, 8)", "hole after the start");
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", eight), "cover 4 bytes", "holds 8");
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
        eight), "'b' [4, 8) leaves a hole after tensor 'a' [0, 0)");
    // A header length that drops the header's padding spaces still parses, and would shift every tensor by 4 bytes.
    String padded = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}    ";
    rejected(writeRaw(padded.length() - 4, padded, eight), "cover 8 bytes", "holds 12", "wrong header length");
    rejected(write("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "unsupported dtype 'Q4'");
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", eight), "invalid dimension");
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", eight), "too large");
    rejected(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", floats(1f, Float.NaN)), "NaN");
    rejected(write("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", eight), "dtype I64");
    rejected(writeRaw(1L << 40, "{}", eight), "header length");
    rejected(writeRaw(-1, "{}", eight), "header length");
    Path tiny = Files.write(dir.resolve("tiny.safetensors"), new byte[3]);
    rejected(tiny, "at least an 8-byte");
  }

  @Test
  void everyNonFiniteValueIsFoundWhereverItIsAndEveryFiniteOnePasses() throws IOException {
    // The edge cases of a finite float sit around each bad one, which is at either end or in the middle.
    float[] edge = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -0f, Float.MIN_NORMAL, 1e-40f};
    int n = 10_000;
    float[] ok = new float[n];
    for (int i = 0; i < n; i++) {
      ok[i] = edge[i % edge.length];
    }
    String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[" + n + "],\"data_offsets\":[0," + 4 * n + "]}}";
    try (SafeTensors st = SafeTensors.open(write(header, floats(ok))); TensorScope s = TensorScope.open()) {
      assertEquals(Float.MAX_VALUE, st.tensor("a", s).segment().getAtIndex(ValueLayout.JAVA_FLOAT, 0));
    }
    float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0xffc00001)};
    int[] at = {0, 4095, 4096, 8191, 9999};
    for (int i = 0; i < at.length; i++) {
      float[] v = ok.clone();
      v[at[i]] = bad[i % bad.length];
      if (at[i] + 3 < n) {
        v[at[i] + 3] = Float.NaN; // only the first one is reported
      }
      rejected(write(header, floats(v)), "tensor 'a' holds " + v[at[i]] + " at element " + at[i]);
    }
  }

  @Test
  void aModelFolderWithAMisShapedTensorNamesIt() throws IOException {
    Path src = Refs.model("synthetic-bert-tiny");
    Path copy = Refs.copy("synthetic-bert-tiny", dir.resolve("tiny"), "config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors");
    Files.writeString(copy.resolve("config.json"), Files.readString(src.resolve("config.json")).replace("\"intermediate_size\": 384", "\"intermediate_size\": 380"));
    var e = assertThrows(ModelFormatException.class, () -> BertModel.load(copy));
    assertTrue(e.getMessage().contains("encoder.layer.0.intermediate.dense.weight") && e.getMessage().contains("[384, 96]"), e.getMessage());
    Files.writeString(copy.resolve("config.json"), Files.readString(src.resolve("config.json")).replace("\"model_type\": \"bert\"", "\"model_type\": \"gpt2\""));
    e = assertThrows(ModelFormatException.class, () -> BertModel.load(copy));
    assertTrue(e.getMessage().contains("model_type 'gpt2'"), e.getMessage());
    Files.writeString(copy.resolve("config.json"), Files.readString(src.resolve("config.json")).replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"swish\""));
    e = assertThrows(ModelFormatException.class, () -> BertModel.load(copy));
    assertTrue(e.getMessage().contains("hidden_act 'swish'"), e.getMessage());
  }

  @Test
  void aFolderWithWeightsInAnotherFormSaysWhatToDo() throws IOException {
    Path folder = Refs.copy("synthetic-bert-tiny", dir.resolve("other"), "config.json", "vocab.txt");
    var e = assertThrows(ModelFormatException.class, () -> BertModel.load(folder));
    assertTrue(e.getMessage().endsWith("model.safetensors is missing"), e.getMessage());
    Files.write(folder.resolve("model.onnx"), new byte[0]);
    e = assertThrows(ModelFormatException.class, () -> BertModel.load(folder));
    assertTrue(e.getMessage().contains("model.onnx is an ONNX export"), e.getMessage());
    Files.write(folder.resolve("pytorch_model.bin"), new byte[0]);
    e = assertThrows(ModelFormatException.class, () -> BertModel.load(folder));
    assertTrue(e.getMessage().contains("model.safetensors is missing (pytorch_model.bin is a Python pickle"), e.getMessage());
    // A shard index is read (ShardedWeightsTest); an empty one says what it lacks.
    Files.writeString(folder.resolve("model.safetensors.index.json"), "{}");
    e = assertThrows(ModelFormatException.class, () -> BertModel.load(folder));
    assertTrue(e.getMessage().contains("model.safetensors.index.json: 'weight_map' must be"), e.getMessage());
  }

  @Test
  void aVocabularySmallerThanTheEmbeddingTableLoadsALargerOneDoesNot() throws IOException {
    Path src = Refs.model("synthetic-bert-tiny");
    Path copy = Refs.copy("synthetic-bert-tiny", dir.resolve("tiny"), "config.json", "tokenizer_config.json", "model.safetensors");
    java.util.List<String> vocab = Files.readAllLines(src.resolve("vocab.txt"));
    // Embedding rows past the vocabulary, as resize_token_embeddings(pad_to_multiple_of=...) leaves them.
    Files.write(copy.resolve("vocab.txt"), vocab.subList(0, vocab.size() - 2));
    try (BertModel m = BertModel.load(copy)) {
      assertEquals(vocab.size() - 2, m.tokenizer().vocabSize());
      assertEquals(vocab.size(), m.config().vocabSize());
    }
    java.util.List<String> longer = new java.util.ArrayList<>(vocab);
    longer.add("##extra");
    Files.write(copy.resolve("vocab.txt"), longer);
    var e = assertThrows(ModelFormatException.class, () -> BertModel.load(copy));
    assertTrue(e.getMessage().contains("tokenizer has " + longer.size() + " tokens") && e.getMessage().contains("vocab_size " + vocab.size()), e.getMessage());
  }
}
