package dev.attn4j.models.heads;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a sentence-transformers checkpoint pools and normalizes its embeddings, read from the files that library
 * saves beside the transformer: {@code modules.json} (the module list; a {@code Normalize} module means L2
 * normalization) and the pooling module's {@code config.json} ({@code pooling_mode_cls_token},
 * {@code pooling_mode_mean_tokens}, {@code pooling_mode_max_tokens}). For example bge-small-en-v1.5 pools the
 * {@code [CLS]} token and normalizes; all-MiniLM-L6-v2 takes the mean and normalizes.
 *
 * <p>Immutable and thread-safe. Stability: stable since 0.2.
 *
 * @param pooling the pooling mode
 * @param normalize whether embeddings are L2-normalized
 */
public record SentenceTransformersConfig(Pooling pooling, boolean normalize) {
  /** What a folder without sentence-transformers files gets: mean pooling, unnormalized. */
  public static final SentenceTransformersConfig PLAIN = new SentenceTransformersConfig(Pooling.MEAN, false);

  private static final String POOLING = "sentence_transformers.models.Pooling";
  private static final String NORMALIZE = "sentence_transformers.models.Normalize";

  /**
   * The configuration of the model folder {@code dir}, or empty when it holds no {@code modules.json} (a plain
   * Hugging Face checkpoint) or its modules have no pooling module.
   *
   * @throws ModelFormatException if the files are malformed, or the pooling is a kind attn4j does not compute
   *     (concatenated modes, {@code mean_sqrt_len}, weighted mean, last token)
   */
  public static Optional<SentenceTransformersConfig> read(Path dir) throws IOException {
    Path modules = dir.resolve("modules.json");
    if (!Files.isRegularFile(modules)) {
      return Optional.empty();
    }
    JsonNode list = Json.parse(Files.readAllBytes(modules), modules, "module list");
    if (!list.isArray()) {
      throw new ModelFormatException(modules + ": must be a JSON array of modules");
    }
    Path poolingConfig = null;
    boolean normalize = false;
    for (JsonNode m : list) {
      String type = m.path("type").asText("");
      if (type.equals(POOLING)) {
        String path = m.path("path").asText("");
        Path resolved = dir.resolve(path).normalize();
        if (path.isEmpty() || !resolved.startsWith(dir.normalize())) {
          throw new ModelFormatException(modules + ": the pooling module's path '" + path + "' is not a folder inside the model");
        }
        poolingConfig = resolved.resolve("config.json");
      } else if (type.equals(NORMALIZE)) {
        normalize = true;
      }
    }
    if (poolingConfig == null) {
      return Optional.empty();
    }
    if (!Files.isRegularFile(poolingConfig)) {
      throw new ModelFormatException(poolingConfig + ": missing (modules.json names a pooling module there)");
    }
    return Optional.of(new SentenceTransformersConfig(pooling(poolingConfig), normalize));
  }

  private static Pooling pooling(Path file) throws IOException {
    JsonNode c = Json.readObject(file);
    List<Pooling> modes = new ArrayList<>();
    List<String> unsupported = new ArrayList<>();
    for (var it = c.fields(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getKey().startsWith("pooling_mode_") || !Json.bool(c, e.getKey(), false, file)) {
        continue;
      }
      switch (e.getKey()) {
        case "pooling_mode_cls_token" -> modes.add(Pooling.CLS);
        case "pooling_mode_mean_tokens" -> modes.add(Pooling.MEAN);
        case "pooling_mode_max_tokens" -> modes.add(Pooling.MAX);
        default -> unsupported.add(e.getKey());
      }
    }
    if (!unsupported.isEmpty() || modes.size() != 1) {
      throw new ModelFormatException(file + ": pooling " + (modes.isEmpty() && unsupported.isEmpty() ? "mode not set" : "by " + unsupported + " " + modes)
          + " is not supported (exactly one of pooling_mode_cls_token, pooling_mode_mean_tokens, pooling_mode_max_tokens)");
    }
    return modes.getFirst();
  }
}
