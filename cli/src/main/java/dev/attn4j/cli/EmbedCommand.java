package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.attn4j.api.PendingBackend;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.BertOutput;
import dev.attn4j.models.heads.Pooling;
import dev.attn4j.models.heads.SentenceTransformersConfig;
import dev.attn4j.spi.Backend;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code attn4j embed}: sentence embeddings. With {@code --output FILE.jsonl} the input is streamed: rows are
 * read in windows, sorted by length inside a window to cut padding, run in batches, and written one line per
 * input in input order, so memory stays bounded whatever the file size.
 */
@Command(name = "embed", mixinStandardHelpOptions = true, description = "Sentence embeddings (sentence-transformers pooling, Dense layers, optional L2 normalization).")
final class EmbedCommand implements Callable<Integer> {
  /** Batches per sorting window. */
  private static final int WINDOW_BATCHES = 16;

  @Mixin ModelOptions model;
  @Mixin InputOptions in;
  @Mixin DebugOption debug;

  @Option(names = "--pooling",
      description = "mean, cls, max, mean_sqrt_len, weightedmean or lasttoken (default: the model's sentence-transformers pooling module, else mean).")
  String pooling;

  @Option(names = "--normalize", negatable = true,
      description = "L2-normalize each embedding, or not (default: as the model's sentence-transformers modules say, else not).")
  Boolean normalize;

  @Option(names = "--batch-size", defaultValue = "32", description = "Rows per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--output", description = "Output file; *.jsonl streams one {\"embedding\": [...]} line per input (default: one JSON object on stdout).")
  Path output;

  @Override
  public Integer call() throws Exception {
    Pooling given = pooling == null ? null : switch (pooling.toLowerCase(Locale.ROOT)) {
      case "mean" -> Pooling.MEAN;
      case "cls" -> Pooling.CLS;
      case "max" -> Pooling.MAX;
      case "mean_sqrt_len" -> Pooling.MEAN_SQRT_LEN;
      case "weightedmean" -> Pooling.WEIGHTED_MEAN;
      case "lasttoken" -> Pooling.LAST_TOKEN;
      default -> throw new IllegalArgumentException("--pooling must be mean, cls, max, mean_sqrt_len, weightedmean or lasttoken, got '" + pooling + "'");
    };
    if (batchSize < 1) {
      throw new IllegalArgumentException("--batch-size must be >= 1");
    }
    try (PendingBackend pending = model.openInBackground(); BertModel m = model.load()) {
      Backend backend = pending.get();
      SentenceTransformersConfig p = settings(m, given);
      Iterator<Item> items = in.items(m, model.maxLength(m));
      if (output != null && output.toString().endsWith(".jsonl")) {
        stream(m, backend, items, p);
      } else {
        List<float[]> all = new ArrayList<>();
        List<Item> batch = new ArrayList<>();
        while (items.hasNext()) {
          batch.add(items.next());
          if (batch.size() == batchSize || !items.hasNext()) {
            all.addAll(embed(m, backend, batch, p));
            batch.clear();
          }
        }
        try (JsonGenerator g = JsonOut.open(output)) {
          g.writeStartObject();
          g.writeArrayFieldStart("embeddings");
          for (float[] e : all) {
            JsonOut.floats(g, e);
          }
          g.writeEndArray();
          g.writeEndObject();
        }
        if (output == null) {
          System.out.println();
        }
      }
    }
    return 0;
  }

  /**
   * What the model's sentence-transformers files say (pooling, Dense layers, normalization), with the pooling and
   * normalization options where given; mean pooling, unnormalized, for a folder without them. The files are read even
   * when both options are given: their Dense layers are part of the model's embedding.
   */
  private SentenceTransformersConfig settings(BertModel m, Pooling given) throws IOException {
    var st = SentenceTransformersConfig.read(m.directory(), m.config().hiddenSize());
    var resolved = st.orElse(SentenceTransformersConfig.PLAIN);
    resolved = resolved.withPooling(given != null ? given : resolved.pooling()).withNormalize(normalize != null ? normalize : resolved.normalize());
    if (st.isPresent()) {
      System.err.printf("embed: %s pooling%s%s, from the model's sentence-transformers modules (--pooling and --[no-]normalize override)%n",
          resolved.pooling().name().toLowerCase(Locale.ROOT), resolved.dense().isEmpty() ? "" : ", then " + resolved.dense(),
          resolved.normalize() ? ", L2-normalized" : "");
    }
    return resolved;
  }

  private List<float[]> embed(BertModel m, Backend backend, List<Item> batch, SentenceTransformersConfig p) {
    var input = Batches.pad(batch, Batches.longest(batch), m.tokenizer().padId());
    try (TensorScope scope = TensorScope.open()) {
      BertOutput out = m.forward(backend, scope, input, false, false);
      return List.of(p.embed(out.lastHiddenState(), input.attentionMask()));
    }
  }

  private void stream(BertModel m, Backend backend, Iterator<Item> items, SentenceTransformersConfig p) throws IOException {
    long total = in.input == null ? -1 : countLines(in.input);
    try (BufferedWriter w = Files.newBufferedWriter(output, StandardCharsets.UTF_8);
        ProgressBar bar = ProgressBars.open("embed", total, " rows")) {
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      while (items.hasNext()) {
        List<Item> window = new ArrayList<>();
        while (items.hasNext() && window.size() < batchSize * WINDOW_BATCHES) {
          window.add(items.next());
        }
        Integer[] order = new Integer[window.size()];
        for (int i = 0; i < order.length; i++) {
          order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparingInt(i -> window.get(i).length()));
        float[][] result = new float[window.size()][];
        for (int from = 0; from < order.length; from += batchSize) {
          List<Item> batch = new ArrayList<>();
          for (int k = from; k < Math.min(order.length, from + batchSize); k++) {
            batch.add(window.get(order[k]));
          }
          List<float[]> e = embed(m, backend, batch, p);
          for (int k = 0; k < e.size(); k++) {
            result[order[from + k]] = e.get(k);
          }
          bar.stepBy(batch.size());
        }
        for (float[] e : result) {
          w.write("{\"embedding\":");
          w.write(json.writeValueAsString(e));
          w.write("}\n");
        }
      }
    }
  }

  private static long countLines(Path file) throws IOException {
    try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.filter(l -> !l.isBlank()).count();
    }
  }
}
