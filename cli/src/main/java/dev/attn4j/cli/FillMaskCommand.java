package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.attn4j.api.PendingBackend;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.BertOutput;
import dev.attn4j.models.ModelInput;
import dev.attn4j.models.heads.Decoding;
import dev.attn4j.models.heads.Prediction;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.spi.Backend;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code attn4j fill-mask}: the most likely tokens for each mask token, {@code [MASK]} or {@code <mask>} (needs a masked-LM head). */
@Command(name = "fill-mask", mixinStandardHelpOptions = true, description = "Predict the tokens hidden behind the model's mask token, [MASK] or <mask> (needs a masked-LM head).")
final class FillMaskCommand implements Callable<Integer> {
  @Mixin ModelOptions model;
  @Mixin DebugOption debug;

  @Option(names = "--text", required = true, description = "Text with one or more mask tokens ([MASK] for BERT, <mask> for RoBERTa).")
  String text;

  @Option(names = "--top-k", defaultValue = "5", description = "Candidates per mask (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(names = "--json", description = "Write JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (topK < 1) {
      throw new IllegalArgumentException("--top-k must be >= 1");
    }
    try (PendingBackend pending = model.openInBackground(); BertModel m = model.load(); TensorScope scope = TensorScope.open()) {
      Backend backend = pending.get();
      Encoding e = m.tokenizer().encode(text, null, model.maxLength(m));
      int[] ids = e.ids();
      int maskId = m.tokenizer().maskId();
      if (maskId < 0) {
        throw new IllegalArgumentException("the model's vocabulary has no mask token");
      }
      String maskToken = m.tokenizer().token(maskId);
      if (java.util.Arrays.stream(ids).noneMatch(i -> i == maskId)) {
        throw new IllegalArgumentException("--text has no " + maskToken + " token");
      }
      BertOutput out = m.forward(backend, scope, new ModelInput(new int[][] {ids}, new int[][] {e.typeIds()}, null), false, false);
      Tensor logits = m.heads().maskedLm(backend, scope, out);
      try (JsonGenerator g = json ? JsonOut.open(null) : null) {
        if (json) {
          g.writeStartObject();
          g.writeArrayFieldStart("masks");
        }
        for (int pos = 0; pos < ids.length; pos++) {
          if (ids[pos] != maskId) {
            continue;
          }
          List<Prediction> top = Decoding.topK(logits.select(0, 0).select(0, pos).toArray(), topK, m.tokenizer()::token);
          if (json) {
            g.writeStartObject();
            g.writeNumberField("position", pos);
            g.writeArrayFieldStart("predictions");
            for (Prediction p : top) {
              g.writeStartObject();
              g.writeStringField("token", p.label());
              g.writeNumberField("id", p.id());
              g.writeNumberField("score", p.probability());
              g.writeNumberField("logit", p.logit());
              g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
          } else {
            System.out.println(maskToken + " at token " + pos + ":");
            for (Prediction p : top) {
              System.out.printf(Locale.ROOT, "  %-15s %.4f%n", p.label(), p.probability());
            }
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
}
