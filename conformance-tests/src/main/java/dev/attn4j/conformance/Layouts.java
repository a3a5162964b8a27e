package dev.attn4j.conformance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the checkpoint rewriters ({@link RobertaLayout}, {@link DistilBertLayout}, {@link ElectraLayout}) share: the
 * config read and written out, the tokenizer files copied as they are, seeded head weights. Stateless.
 */
final class Layouts {
  /** The one JSON mapper of the layout writers. */
  static final ObjectMapper JSON = new ObjectMapper();

  private Layouts() {}

  /** The {@code config.json} of BERT folder {@code bert}, to edit. */
  static ObjectNode readConfig(Path bert) throws IOException {
    return (ObjectNode) JSON.readTree(bert.resolve("config.json").toFile());
  }

  /** Writes {@code config} as the copy's config.json and copies the tokenizer files of {@code bert} that exist. */
  static void writeConfigAndTokenizer(Path bert, Path out, ObjectNode config) throws IOException {
    JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), config);
    for (String f : List.of("vocab.txt", "tokenizer_config.json", "special_tokens_map.json")) {
      if (Files.isRegularFile(bert.resolve(f))) {
        Files.copy(bert.resolve(f), out.resolve(f));
      }
    }
  }

  /** A tensor of seeded values in [-0.5, 0.5). */
  static Tensor seeded(TensorScope scope, SplittableRandom random, int... dims) {
    Tensor t = scope.allocate(dims);
    float[] v = new float[(int) t.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextDouble() - 0.5);
    }
    t.copyFrom(v);
    return t;
  }
}
