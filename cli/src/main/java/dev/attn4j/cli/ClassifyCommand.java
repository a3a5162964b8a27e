package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.attn4j.api.PendingBackend;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.BertOutput;
import dev.attn4j.models.ModelInput;
import dev.attn4j.models.heads.Decoding;
import dev.attn4j.models.heads.Entity;
import dev.attn4j.models.heads.Prediction;
import dev.attn4j.spi.Backend;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code attn4j classify}: the labels a sequence-classification head gives each input (a cross-encoder's relevance
 * score when it has one label), or with {@code --tokens} each token's label and the entities they form. Rows run in
 * batches; the results come in input order.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
    description = "Classify texts or pairs: labels with scores (a cross-encoder's relevance), or with --tokens each token's label and the entities.")
final class ClassifyCommand implements Callable<Integer> {
  @Mixin ModelOptions model;
  @Mixin InputOptions in;
  @Mixin DebugOption debug;

  @Option(names = "--tokens", description = "Token classification (default: sequence classification when the model has that head, else tokens).")
  boolean tokens;

  @Option(names = "--top-k", description = "Labels per input, best first (default: all; sequence classification only).")
  Integer topK;

  @Option(names = "--batch-size", defaultValue = "32", description = "Rows per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--json", description = "Write JSON: {\"predictions\": [...]}, one entry per input.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (batchSize < 1) {
      throw new IllegalArgumentException("--batch-size must be >= 1");
    }
    if (topK != null && topK < 1) {
      throw new IllegalArgumentException("--top-k must be >= 1");
    }
    try (PendingBackend pending = model.openInBackground(); BertModel m = model.load()) {
      List<String> heads = m.heads().available();
      boolean tokenTask = tokens || !heads.contains("sequence-classification") && heads.contains("token-classification");
      String needed = tokenTask ? "token-classification" : "sequence-classification";
      if (!heads.contains(needed)) {
        throw new IllegalStateException("the checkpoint has no " + needed + " head (it has: " + (heads.isEmpty() ? "none" : String.join(", ", heads)) + ")");
      }
      Backend backend = pending.get();
      Iterator<Item> items = in.items(m, model.maxLength(m));
      try (JsonGenerator g = json ? JsonOut.open(null) : null) {
        if (json) {
          g.writeStartObject();
          g.writeStringField("task", needed);
          g.writeArrayFieldStart("predictions");
        }
        List<Item> batch = new ArrayList<>();
        while (items.hasNext()) {
          batch.add(items.next());
          if (batch.size() == batchSize || !items.hasNext()) {
            run(m, backend, batch, tokenTask, g);
            batch.clear();
          }
        }
        if (json) {
          g.writeEndArray();
          g.writeEndObject();
        }
      }
      if (json) {
        System.out.println();
      }
    }
    return 0;
  }

  private void run(BertModel m, Backend backend, List<Item> batch, boolean tokenTask, JsonGenerator g) throws IOException {
    ModelInput input = Batches.pad(batch, Batches.longest(batch), m.tokenizer().padId());
    List<String> labels = m.config().labels();
    try (TensorScope scope = TensorScope.open()) {
      BertOutput out = m.forward(backend, scope, input, false, false);
      Tensor logits = tokenTask ? m.heads().tokenClassification(backend, scope, out) : m.heads().sequenceClassification(backend, scope, out);
      for (int b = 0; b < batch.size(); b++) {
        Item item = batch.get(b);
        if (tokenTask) {
          writeTokens(g, item, Decoding.tokenRows(logits.select(0, b), item.length()), labels);
        } else {
          List<Prediction> all = Decoding.classify(logits.select(0, b).toArray(), labels, m.config().multiLabel());
          writeLabels(g, item, all.subList(0, topK == null ? all.size() : Math.min(topK, all.size())));
        }
      }
    }
  }

  private void writeLabels(JsonGenerator g, Item item, List<Prediction> top) throws IOException {
    if (json) {
      g.writeStartObject();
      g.writeStringField("label", top.getFirst().label());
      g.writeNumberField("score", top.getFirst().probability());
      g.writeArrayFieldStart("labels");
      for (Prediction p : top) {
        g.writeStartObject();
        g.writeStringField("label", p.label());
        g.writeNumberField("id", p.id());
        g.writeNumberField("score", p.probability());
        g.writeNumberField("logit", p.logit());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      return;
    }
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%d: %s %.4f", item.line(), top.getFirst().label(), top.getFirst().probability()));
    if (top.size() > 1) {
      line.append("  (");
      for (int i = 1; i < top.size(); i++) {
        line.append(String.format(Locale.ROOT, "%s%s %.4f", i > 1 ? ", " : "", top.get(i).label(), top.get(i).probability()));
      }
      line.append(')');
    }
    System.out.println(line);
  }

  private void writeTokens(JsonGenerator g, Item item, float[][] logits, List<String> labels) throws IOException {
    // Caller-given ids carry no text and no segments: every position the mask keeps is labelled, no entity is formed.
    List<Entity> entities = item.encoding() == null ? List.of() : Decoding.entities(logits, item.encoding(), labels, item.texts().toArray(String[]::new));
    int[] segments = item.encoding() == null ? null : item.encoding().sequenceIds();
    if (!json) {
      StringBuilder line = new StringBuilder(item.line() + ":");
      if (item.encoding() == null) {
        for (int t = 0; t < item.length(); t++) {
          if (item.mask()[t] == 1) {
            line.append(' ').append(item.tokens().get(t)).append('/').append(Decoding.classify(logits[t], labels, false).getFirst().label());
          }
        }
      } else if (entities.isEmpty()) {
        line.append(" no entities");
      } else {
        for (Entity e : entities) {
          line.append(String.format(Locale.ROOT, " %s \"%s\" [%d, %d) %.4f;", e.group(), e.text(), e.start(), e.end(), e.score()));
        }
        line.setLength(line.length() - 1);
      }
      System.out.println(line);
      return;
    }
    g.writeStartObject();
    g.writeArrayFieldStart("entities");
    for (Entity e : entities) {
      g.writeStartObject();
      g.writeStringField("group", e.group());
      g.writeStringField("text", e.text());
      g.writeNumberField("segment", e.segment());
      g.writeNumberField("start", e.start());
      g.writeNumberField("end", e.end());
      g.writeNumberField("score", e.score());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeArrayFieldStart("tokens");
    for (int t = 0; t < item.length(); t++) {
      boolean real = segments == null ? item.mask()[t] == 1 : segments[t] >= 0;
      if (!real) {
        continue;
      }
      Prediction best = Decoding.classify(logits[t], labels, false).getFirst();
      g.writeStartObject();
      g.writeNumberField("index", t);
      g.writeStringField("token", item.tokens().get(t));
      g.writeStringField("label", best.label());
      g.writeNumberField("score", best.probability());
      if (item.encoding() != null) {
        g.writeNumberField("start", item.encoding().tokens().get(t).start());
        g.writeNumberField("end", item.encoding().tokens().get(t).end());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }
}
