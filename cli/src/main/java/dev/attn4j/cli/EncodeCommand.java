package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.attn4j.api.PendingBackend;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.BertOutput;
import dev.attn4j.spi.Backend;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code attn4j encode}: hidden states (and optionally attentions) of texts or ids, as JSON. */
@Command(name = "encode", mixinStandardHelpOptions = true, description = "Run the encoder; write tokens, ids, hidden states and pooler output as JSON.")
final class EncodeCommand implements Callable<Integer> {
  @Mixin ModelOptions model;
  @Mixin InputOptions in;
  @Mixin DebugOption debug;

  @Option(names = "--attentions", description = "Also write attention probabilities [layer][batch][head][seq][seq].")
  boolean attentions;

  @Option(names = "--hidden-states", description = "Also write every layer's hidden state [layer+1][batch][seq][hidden].")
  boolean hiddenStates;

  @Option(names = "--batch-size", description = "Rows per forward pass (default: all in one padded batch).")
  Integer batchSize;

  @Option(names = "--output", description = "Output JSON file (default: stdout).")
  Path output;

  @Option(names = "--timing", description = "Print to stderr when the model was ready to encode, counted from JVM start, and how long the forward took.")
  boolean timing;

  @Override
  public Integer call() throws Exception {
    if (batchSize != null && batchSize < 1) {
      throw new IllegalArgumentException("--batch-size must be >= 1");
    }
    long loadStart = System.nanoTime();
    try (PendingBackend pending = model.openInBackground(); BertModel m = model.load()) {
      Backend backend = pending.get();
      // Uptime is counted from the JVM's own start time, so it includes VM start-up and class loading.
      long readyAfterJvmStart = timing ? ManagementFactory.getRuntimeMXBean().getUptime() : 0;
      double loadMs = (System.nanoTime() - loadStart) / 1e6;
      List<Item> items = new ArrayList<>();
      for (Iterator<Item> it = in.items(m, model.maxLength(m)); it.hasNext(); ) {
        items.add(it.next());
      }
      if (items.isEmpty()) {
        throw new DataException("no input rows");
      }
      int seq = Batches.longest(items);
      int step = batchSize == null ? items.size() : batchSize;
      try (TensorScope scope = TensorScope.open(); JsonGenerator g = JsonOut.open(output)) {
        List<BertOutput> outs = new ArrayList<>();
        long forwardStart = System.nanoTime();
        for (int from = 0; from < items.size(); from += step) {
          List<Item> chunk = items.subList(from, Math.min(items.size(), from + step));
          outs.add(m.forward(backend, scope, Batches.pad(chunk, seq, m.tokenizer().padId()), hiddenStates, attentions));
        }
        if (timing) {
          System.err.printf(Locale.ROOT, "timing: ready to encode %d ms after JVM start (model and backend %.0f ms); first forward %.0f ms (%d rows x %d tokens)%n",
              readyAfterJvmStart, loadMs, (System.nanoTime() - forwardStart) / 1e6, items.size(), seq);
        }
        var padded = Batches.pad(items, seq, m.tokenizer().padId());
        g.writeStartObject();
        g.writeStringField("backend", backend.name());
        g.writeArrayFieldStart("tokens");
        for (Item it : items) {
          g.writeStartArray();
          for (int j = 0; j < seq; j++) {
            g.writeString(j < it.length() ? it.tokens().get(j) : m.tokenizer().token(m.tokenizer().padId()));
          }
          g.writeEndArray();
        }
        g.writeEndArray();
        JsonOut.ints(g, "input_ids", List.of(padded.inputIds()));
        JsonOut.ints(g, "token_type_ids", List.of(padded.typeIds()));
        JsonOut.ints(g, "attention_mask", List.of(padded.attentionMask()));
        g.writeArrayFieldStart("last_hidden_state");
        for (BertOutput o : outs) {
          rows(g, o.lastHiddenState());
        }
        g.writeEndArray();
        g.writeFieldName("pooler_output");
        if (!m.hasPooler()) {
          g.writeNull();
        } else {
          g.writeStartArray();
          for (BertOutput o : outs) {
            rows(g, o.pooled());
          }
          g.writeEndArray();
        }
        if (attentions) {
          perLayer(g, "attentions", outs, true);
        }
        if (hiddenStates) {
          perLayer(g, "hidden_states", outs, false);
        }
        g.writeEndObject();
      }
    }
    if (output == null) {
      System.out.println();
    }
    return 0;
  }

  /** Writes each batch row of {@code t} as an element of the enclosing array. */
  private static void rows(JsonGenerator g, Tensor t) throws java.io.IOException {
    for (int b = 0; b < t.dim(0); b++) {
      JsonOut.tensor(g, t.select(0, b));
    }
  }

  private static void perLayer(JsonGenerator g, String name, List<BertOutput> outs, boolean attn) throws java.io.IOException {
    g.writeArrayFieldStart(name);
    int layers = attn ? outs.getFirst().attentions().size() : outs.getFirst().hiddenStates().size();
    for (int l = 0; l < layers; l++) {
      g.writeStartArray();
      for (BertOutput o : outs) {
        rows(g, attn ? o.attentions().get(l) : o.hiddenStates().get(l));
      }
      g.writeEndArray();
    }
    g.writeEndArray();
  }
}
