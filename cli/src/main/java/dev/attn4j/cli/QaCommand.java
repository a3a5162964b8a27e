package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.attn4j.api.PendingBackend;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.BertOutput;
import dev.attn4j.models.ModelInput;
import dev.attn4j.models.heads.AnswerSpan;
import dev.attn4j.models.heads.Decoding;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.spi.Backend;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code attn4j qa}: the best answer span of a context for a question (needs a QA head). */
@Command(name = "qa", mixinStandardHelpOptions = true, description = "Extractive question answering (needs a qa_outputs head).")
final class QaCommand implements Callable<Integer> {
  @Mixin ModelOptions model;
  @Mixin DebugOption debug;

  @Option(names = "--question", required = true, description = "The question.")
  String question;

  @Option(names = "--context", required = true, description = "The text to answer from.")
  String context;

  @Option(names = "--json", description = "Write JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try (PendingBackend pending = model.openInBackground(); BertModel m = model.load(); TensorScope scope = TensorScope.open()) {
      Backend backend = pending.get();
      Encoding e = m.tokenizer().encode(question, context, model.maxLength(m));
      BertOutput out = m.forward(backend, scope, new ModelInput(new int[][] {e.ids()}, new int[][] {e.typeIds()}, null), false, false);
      Tensor logits = m.heads().questionAnswering(backend, scope, out).select(0, 0);
      AnswerSpan a = Decoding.bestSpan(logits.select(1, 0).toArray(), logits.select(1, 1).toArray(), e, context, Decoding.MAX_ANSWER_TOKENS);
      if (json) {
        try (JsonGenerator g = JsonOut.open(null)) {
          g.writeStartObject();
          g.writeStringField("answer", a.answer());
          g.writeNumberField("score", a.score());
          g.writeNumberField("start", a.charStart());
          g.writeNumberField("end", a.charEnd());
          g.writeNumberField("start_token", a.startToken());
          g.writeNumberField("end_token", a.endToken());
          g.writeEndObject();
        }
        System.out.println();
      } else {
        System.out.printf(Locale.ROOT, "%s%n(score %.4f, characters %d-%d)%n", a.answer(), a.score(), a.charStart(), a.charEnd());
      }
    }
    return 0;
  }
}
