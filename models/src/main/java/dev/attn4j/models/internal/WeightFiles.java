package dev.attn4j.models.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model folder's weights: one {@code model.safetensors}, or the shards that {@code model.safetensors.index.json}
 * lists (its {@code weight_map}, tensor name to shard file, as Hugging Face writes it for checkpoints above
 * {@code max_shard_size}). Every shard is mapped and validated at open; each listed tensor must be in its shard.
 *
 * <p>Thread-safe; the mappings live until {@link #close()}.
 */
public final class WeightFiles implements AutoCloseable {
  /** The single-file name. */
  public static final String SINGLE = "model.safetensors";
  /** The shard index's name. */
  public static final String INDEX = "model.safetensors.index.json";

  private final Path source;
  private final List<SafeTensors> files;
  private final Map<String, SafeTensors> byName;

  private WeightFiles(Path source, List<SafeTensors> files, Map<String, SafeTensors> byName) {
    this.source = source;
    this.files = files;
    this.byName = byName;
  }

  /** Whether {@code dir} holds weights in either form. */
  public static boolean present(Path dir) {
    return Files.isRegularFile(dir.resolve(SINGLE)) || Files.isRegularFile(dir.resolve(INDEX));
  }

  /**
   * Opens the weights of {@code dir}: {@value #SINGLE} when present, else the shards of {@value #INDEX}.
   *
   * @throws ModelFormatException naming the file when the index or a shard is malformed, a shard lies outside the
   *     folder or is missing, or a listed tensor is not in its shard
   */
  public static WeightFiles open(Path dir) throws IOException {
    Path single = dir.resolve(SINGLE);
    if (Files.isRegularFile(single)) {
      SafeTensors f = SafeTensors.open(single);
      Map<String, SafeTensors> byName = new LinkedHashMap<>();
      f.names().forEach(n -> byName.put(n, f));
      return new WeightFiles(single, List.of(f), byName);
    }
    Path index = dir.resolve(INDEX);
    JsonNode map = Json.readObject(index).get("weight_map");
    if (map == null || !map.isObject() || map.isEmpty()) {
      throw new ModelFormatException(index + ": 'weight_map' must be a non-empty object of tensor name to shard file");
    }
    Map<String, SafeTensors> shards = new LinkedHashMap<>();
    Map<String, SafeTensors> byName = new LinkedHashMap<>();
    try {
      for (var it = map.fields(); it.hasNext(); ) {
        var e = it.next();
        String shard = e.getValue().asText("");
        // A shard is a file of this folder: the index must not point the loader anywhere else. Absolute, so that a
        // folder given as "." compares as the folder it names.
        Path base = dir.toAbsolutePath().normalize();
        Path path = base.resolve(shard).normalize();
        if (!e.getValue().isTextual() || shard.isEmpty() || !base.equals(path.getParent())) {
          throw new ModelFormatException(index + ": tensor '" + e.getKey() + "' names shard " + e.getValue() + ", which is not a file of this folder");
        }
        SafeTensors f = shards.get(shard);
        if (f == null) {
          if (!Files.isRegularFile(path)) {
            throw new ModelFormatException(index + ": shard '" + shard + "' (of tensor '" + e.getKey() + "') is missing");
          }
          f = SafeTensors.open(path);
          shards.put(shard, f);
        }
        if (!f.names().contains(e.getKey())) {
          throw new ModelFormatException(path + ": tensor '" + e.getKey() + "' is missing (" + INDEX + " places it here)");
        }
        byName.put(e.getKey(), f);
      }
    } catch (IOException | RuntimeException ex) {
      shards.values().forEach(SafeTensors::close);
      throw ex;
    }
    return new WeightFiles(index, List.copyOf(shards.values()), byName);
  }

  /** {@value #SINGLE}, or the index of a sharded checkpoint. */
  public Path source() {
    return source;
  }

  /** Every tensor's name. */
  public Set<String> names() {
    return Collections.unmodifiableSet(byName.keySet());
  }

  /** The file holding tensor {@code name}, for messages. */
  public Path fileOf(String name) {
    SafeTensors f = byName.get(name);
    return f == null ? source : f.file();
  }

  /**
   * Tensor {@code name} as float32 (see {@link SafeTensors#tensor}).
   *
   * @throws ModelFormatException if it is missing or malformed
   */
  public Tensor tensor(String name, TensorScope scope) throws ModelFormatException {
    SafeTensors f = byName.get(name);
    if (f == null) {
      throw new ModelFormatException(source + ": tensor '" + name + "' is missing");
    }
    return f.tensor(name, scope);
  }

  /** Unmaps every file. */
  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (SafeTensors f : files) {
      try {
        f.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.getFirst();
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }
}
