package dev.attn4j.models.heads;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a sentence-transformers checkpoint turns token vectors into its sentence embedding, read from the files that
 * library saves beside the transformer: {@code modules.json} (the module list, in order: the transformer, a
 * {@code Pooling} module, any {@code Dense} modules, and a {@code Normalize} module for L2 normalization) and each
 * module's folder (the pooling module's {@code config.json}: one of {@code pooling_mode_cls_token},
 * {@code pooling_mode_mean_tokens}, {@code pooling_mode_max_tokens}, {@code pooling_mode_mean_sqrt_len_tokens},
 * {@code pooling_mode_weightedmean_tokens}, {@code pooling_mode_lasttoken}; see {@link DenseLayer} for Dense). For example
 * bge-small-en-v1.5 pools the {@code [CLS]} token and normalizes; all-MiniLM-L6-v2 takes the mean and normalizes;
 * LaBSE pools {@code [CLS]}, applies a tanh Dense layer and normalizes. A module of any other kind is an error, not
 * skipped: the embedding would be another one.
 *
 * <p>Immutable and thread-safe. Stability: stable since 0.2 ({@code dense} since 0.3).
 *
 * @param pooling the pooling mode
 * @param normalize whether embeddings are L2-normalized (after the Dense layers)
 * @param dense the Dense layers applied to the pooled vector, in order (most models have none)
 */
public record SentenceTransformersConfig(Pooling pooling, boolean normalize, List<DenseLayer> dense) {
  /** What a folder without sentence-transformers files gets: mean pooling, unnormalized. */
  public static final SentenceTransformersConfig PLAIN = new SentenceTransformersConfig(Pooling.MEAN, false);

  private static final String PREFIX = "sentence_transformers.models.";
  private static final String TRANSFORMER = PREFIX + "Transformer";
  private static final String POOLING = PREFIX + "Pooling";
  private static final String DENSE = PREFIX + "Dense";
  private static final String NORMALIZE = PREFIX + "Normalize";

  /**
   * @throws IllegalArgumentException if one Dense layer's output does not fit the next one's input
   */
  public SentenceTransformersConfig {
    Objects.requireNonNull(pooling, "pooling");
    dense = List.copyOf(dense);
    for (int i = 1; i < dense.size(); i++) {
      if (dense.get(i - 1).outFeatures() != dense.get(i).inFeatures()) {
        throw new IllegalArgumentException("Dense layer " + (i - 1) + " gives " + dense.get(i - 1).outFeatures() + " features, layer " + i + " takes "
            + dense.get(i).inFeatures());
      }
    }
  }

  /** Pooling and normalization without Dense layers. */
  public SentenceTransformersConfig(Pooling pooling, boolean normalize) {
    this(pooling, normalize, List.of());
  }

  /** The same configuration with another pooling mode (the Dense layers stay). */
  public SentenceTransformersConfig withPooling(Pooling pooling) {
    return new SentenceTransformersConfig(pooling, normalize, dense);
  }

  /** The same configuration, normalizing or not. */
  public SentenceTransformersConfig withNormalize(boolean normalize) {
    return new SentenceTransformersConfig(pooling, normalize, dense);
  }

  /** Length of the embeddings from a model of hidden size {@code hidden}: the last Dense layer's output, or {@code hidden}. */
  public int dimension(int hidden) {
    return dense.isEmpty() ? hidden : dense.getLast().outFeatures();
  }

  /**
   * The sentence embeddings of {@code hidden [batch, seq, h]}: pooled over the tokens whose mask is 1, through the
   * Dense layers, then L2-normalized if set.
   *
   * @throws IllegalArgumentException if the mask does not match, a row has no real token (mean and max pooling), or
   *     the first Dense layer does not take {@code h} features
   */
  public float[][] embed(Tensor hidden, int[][] attentionMask) {
    if (dense.isEmpty()) {
      return SentenceEmbeddings.pool(hidden, attentionMask, pooling, normalize);
    }
    if (dense.getFirst().inFeatures() != hidden.dim(2)) {
      throw new IllegalArgumentException("the first Dense layer takes " + dense.getFirst().inFeatures() + " features, the model gives " + hidden.dim(2));
    }
    float[][] out = SentenceEmbeddings.pool(hidden, attentionMask, pooling, false);
    for (int b = 0; b < out.length; b++) {
      for (DenseLayer d : dense) {
        out[b] = d.apply(out[b]);
      }
      if (normalize) {
        SentenceEmbeddings.normalize(out[b]);
      }
    }
    return out;
  }

  /**
   * The configuration of the model folder {@code dir}, or empty when it holds no {@code modules.json} (a plain
   * Hugging Face checkpoint) or its modules have no pooling module.
   *
   * @throws ModelFormatException if the files are malformed, or the pooling is a kind attn4j does not compute
   *     (several modes concatenated)
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
    List<DenseLayer> dense = new ArrayList<>();
    for (JsonNode m : list) {
      String type = m.path("type").asText("");
      // sentence-transformers runs the modules in this order; another order would be another computation.
      switch (type) {
        case TRANSFORMER -> {
          if (poolingConfig != null || normalize) {
            throw new ModelFormatException(modules + ": the Transformer module must come first");
          }
        }
        case POOLING -> {
          if (poolingConfig != null || normalize || !dense.isEmpty()) {
            throw new ModelFormatException(modules + ": one Pooling module, before any Dense or Normalize module");
          }
          poolingConfig = folder(dir, modules, m, "pooling").resolve("config.json");
        }
        case DENSE -> {
          if (poolingConfig == null || normalize) {
            throw new ModelFormatException(modules + ": a Dense module must come after the Pooling module and before Normalize");
          }
          dense.add(DenseLayer.read(folder(dir, modules, m, "Dense")));
        }
        case NORMALIZE -> normalize = true;
        default -> throw new ModelFormatException(modules + ": module type '" + type + "' is not supported (Transformer, Pooling, Dense, Normalize)");
      }
    }
    if (poolingConfig == null) {
      if (normalize) {
        throw new ModelFormatException(modules + ": a Normalize module without a Pooling module");
      }
      return Optional.empty();
    }
    if (!Files.isRegularFile(poolingConfig)) {
      throw new ModelFormatException(poolingConfig + ": missing (modules.json names a pooling module there)");
    }
    try {
      return Optional.of(new SentenceTransformersConfig(pooling(poolingConfig), normalize, dense));
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(modules + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@link #read(Path)} for a model of hidden size {@code hiddenSize}.
   *
   * @throws ModelFormatException also if the first Dense module does not take {@code hiddenSize} features
   */
  public static Optional<SentenceTransformersConfig> read(Path dir, int hiddenSize) throws IOException {
    Optional<SentenceTransformersConfig> st = read(dir);
    if (st.isPresent() && !st.get().dense().isEmpty() && st.get().dense().getFirst().inFeatures() != hiddenSize) {
      throw new ModelFormatException(dir.resolve("modules.json") + ": the first Dense module takes " + st.get().dense().getFirst().inFeatures()
          + " features, the model's hidden size is " + hiddenSize);
    }
    return st;
  }

  /** The folder of module {@code m}, which must lie inside the model folder. */
  private static Path folder(Path dir, Path modules, JsonNode m, String what) throws ModelFormatException {
    String path = m.path("path").asText("");
    // Absolute, so that a model folder given as "." or "model/.." compares as the folder it names.
    Path base = dir.toAbsolutePath().normalize();
    Path resolved = base.resolve(path).normalize();
    if (path.isEmpty() || !resolved.startsWith(base) || resolved.equals(base)) {
      throw new ModelFormatException(modules + ": the " + what + " module's path '" + path + "' is not a folder inside the model");
    }
    return resolved;
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
        case "pooling_mode_mean_sqrt_len_tokens" -> modes.add(Pooling.MEAN_SQRT_LEN);
        case "pooling_mode_weightedmean_tokens" -> modes.add(Pooling.WEIGHTED_MEAN);
        case "pooling_mode_lasttoken" -> modes.add(Pooling.LAST_TOKEN);
        default -> unsupported.add(e.getKey());
      }
    }
    if (!unsupported.isEmpty() || modes.size() != 1) {
      throw new ModelFormatException(file + ": pooling " + (modes.isEmpty() && unsupported.isEmpty() ? "mode not set" : "by " + unsupported + " " + modes)
          + " is not supported (exactly one of pooling_mode_cls_token, _mean_tokens, _max_tokens, _mean_sqrt_len_tokens, _weightedmean_tokens,"
          + " _lasttoken; modes concatenated are not)");
    }
    return modes.getFirst();
  }
}
