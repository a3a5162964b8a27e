package dev.attn4j.cli;

import dev.attn4j.api.Backends;
import dev.attn4j.api.PendingBackend;
import dev.attn4j.models.BertModel;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import java.io.IOException;
import picocli.CommandLine.Option;

/** Options shared by the commands that run a model: which model, which backend, how many threads, how long. */
final class ModelOptions {
  @Option(names = "--model", paramLabel = "DIR|FILE.onnx|JAR|G:A:V",
      description = {"Model: a Hugging Face folder (config.json, model.safetensors, vocab.txt, tokenizer.json or vocab.json + merges.txt), an ONNX export, a jar holding one,",
          "or the Maven coordinate of such a jar in the local repository (default: all-MiniLM-L6-v2, bundled with the CLI)."})
  String model;

  @Option(names = "--backend", description = "Backend name (default: -Dattn4j.backend, ATTN4J_BACKEND, else the best available).")
  String backend;

  @Option(names = "--threads", defaultValue = "0", description = "Compute threads (default: all processors).")
  int threads;

  @Option(names = "--max-length", description = "Truncate to this many tokens (default and limit: the model's max_position_embeddings).")
  Integer maxLength;

  BertModel load() throws IOException {
    return BertModel.load(ModelSource.resolve(model));
  }

  /**
   * Starts opening the backend on another thread: the caller loads the model meanwhile (on a cold JVM the two take a
   * few hundred milliseconds each, and neither needs the other).
   */
  PendingBackend openInBackground() {
    return PendingBackend.start(this::open);
  }

  private Backend open() {
    if (threads < 0) {
      throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
    }
    BackendOptions options = BackendOptions.defaults().withThreads(threads);
    return backend == null ? Backends.openDefault(options) : Backends.open(backend, options);
  }

  int maxLength(BertModel m) {
    int limit = m.config().maxSequenceLength();
    if (maxLength == null) {
      return limit;
    }
    if (maxLength < 3 || maxLength > limit) {
      throw new IllegalArgumentException("--max-length must be between 3 and the model's longest sequence " + limit + ", got " + maxLength);
    }
    return maxLength;
  }
}
