package dev.attn4j.models;

import static dev.attn4j.models.BertGoldenTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.heads.AnswerSpan;
import dev.attn4j.models.heads.Decoding;
import dev.attn4j.models.heads.Prediction;
import dev.attn4j.models.tokenizer.BatchEncoding;
import dev.attn4j.models.tokenizer.Token;
import dev.attn4j.spi.Backend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/** Task heads of the synthetic checkpoints against Hugging Face float64 goldens, on every backend. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeadsGoldenTest {
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterAll
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private BertModel load(String folder) throws Exception {
    BertModel m = BertModel.load(Refs.model("synthetic-bert-heads").resolve(folder));
    open.add(m);
    return m;
  }

  private interface Check {
    void run(BertModel model, Backend backend, JsonNode golden, BatchEncoding enc, BertOutput out, TensorScope scope);
  }

  private Stream<DynamicTest> task(String task, String folder, Check check) throws Exception {
    BertModel model = load(folder);
    List<DynamicTest> tests = new ArrayList<>();
    for (Path c : Refs.cases(Refs.model("synthetic-bert-heads").resolve("golden/public/" + task))) {
      JsonNode g = Refs.json(c);
      for (String backendName : Refs.BACKENDS) {
        tests.add(dynamicTest(task + "/" + c.getFileName() + " on " + backendName, () -> {
          BatchEncoding enc = BertGoldenTest.encode(model, g);
          assertArrayEquals(Refs.ints(g.path("input_ids")), enc.inputIds(), "input_ids");
          assertArrayEquals(Refs.ints(g.path("token_type_ids")), enc.typeIds(), "token_type_ids");
          checkOffsets(g, enc);
          try (Backend backend = Refs.open(backendName); TensorScope scope = TensorScope.open()) {
            BertOutput out = model.forward(backend, scope, ModelInput.of(enc), false, false);
            check.run(model, backend, g, enc, out, scope);
          }
        }));
      }
    }
    return tests.stream();
  }

  private static void checkOffsets(JsonNode g, BatchEncoding enc) {
    JsonNode offsets = g.path("offsets");
    for (int b = 0; b < enc.batch(); b++) {
      List<Token> tokens = enc.encodings().get(b).tokens();
      for (int s = 0; s < tokens.size(); s++) {
        JsonNode o = offsets.get(b).get(s);
        assertEquals(o.get(0).asInt() + "," + o.get(1).asInt(), tokens.get(s).start() + "," + tokens.get(s).end(), "offset of token " + s + " of row " + b);
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> maskedLm() throws Exception {
    return task("mlm", "heads", (model, backend, g, enc, out, scope) -> {
      Tensor logits = model.heads().maskedLm(backend, scope, out);
      JsonNode positions = g.path("mask_positions");
      for (int m = 0; m < positions.size(); m++) {
        int row = positions.get(m).get(0).asInt();
        int pos = positions.get(m).get(1).asInt();
        assertEquals(model.tokenizer().maskId(), enc.inputIds()[row][pos]);
        Tensor rowLogits = logits.select(0, row).select(0, pos);
        assertClose("mask logits " + m, g.path("mask_logits").get(m), rowLogits, 2e-4);
        List<Prediction> top = Decoding.topK(rowLogits.toArray(), 5, model.tokenizer()::token);
        JsonNode expected = g.path("top5").get(m);
        for (int i = 0; i < 5; i++) {
          assertEquals(expected.path("ids").get(i).asInt(), top.get(i).id(), "top-5 id " + i);
          assertEquals(expected.path("tokens").get(i).asText(), top.get(i).label());
          assertEquals(expected.path("probabilities").get(i).asDouble(), top.get(i).probability(), 1e-5);
        }
      }
    });
  }

  @TestFactory
  Stream<DynamicTest> nextSentence() throws Exception {
    return task("nsp", "heads", (model, backend, g, enc, out, scope) -> {
      assertClose("pooler", g.path("pooler_output"), out.pooled(), 1e-5);
      Tensor logits = model.heads().nextSentence(backend, scope, out);
      assertClose("NSP logits", g.path("seq_relationship_logits"), logits, 1e-4);
      for (int b = 0; b < enc.batch(); b++) {
        List<Prediction> top = Decoding.topK(logits.select(0, b).toArray(), 1, i -> i == 0 ? "isNext" : "notNext");
        assertEquals(g.path("predicted").get(b).asInt(), top.getFirst().id());
      }
    });
  }

  @TestFactory
  Stream<DynamicTest> questionAnswering() throws Exception {
    return task("qa", "heads", (model, backend, g, enc, out, scope) -> {
      Tensor logits = model.heads().questionAnswering(backend, scope, out);
      for (int b = 0; b < enc.batch(); b++) {
        float[] start = logits.select(0, b).select(1, 0).toArray();
        float[] end = logits.select(0, b).select(1, 1).toArray();
        assertClose("start logits row " + b, g.path("start_logits").get(b), trim(start, g.path("start_logits").get(b).size()), 1e-4);
        assertClose("end logits row " + b, g.path("end_logits").get(b), trim(end, g.path("end_logits").get(b).size()), 1e-4);
        String context = g.path("inputs").get(b).path("context").asText();
        AnswerSpan span = Decoding.bestSpan(start, end, enc.encodings().get(b), context, Decoding.MAX_ANSWER_TOKENS);
        JsonNode best = g.path("best_span").get(b);
        assertEquals(best.path("start_token").asInt(), span.startToken(), "start token");
        assertEquals(best.path("end_token").asInt(), span.endToken(), "end token");
        assertEquals(best.path("char_start").asInt(), span.charStart());
        assertEquals(best.path("char_end").asInt(), span.charEnd());
        assertEquals(best.path("answer").asText(), span.answer());
        assertEquals(best.path("score").asDouble(), span.score(), 2e-4);
      }
    });
  }

  /** The first {@code stored} logits of a row, as the one-row array the golden holds. */
  private static float[][] trim(float[] row, int stored) {
    return new float[][] {java.util.Arrays.copyOf(row, stored)};
  }

  @TestFactory
  Stream<DynamicTest> sequenceClassification() throws Exception {
    return task("seqcls", "seqcls", (model, backend, g, enc, out, scope) -> {
      Tensor logits = model.heads().sequenceClassification(backend, scope, out);
      assertClose("logits", g.path("logits"), logits, 1e-4);
      for (int b = 0; b < enc.batch(); b++) {
        List<Prediction> top = Decoding.topK(logits.select(0, b).toArray(), 1, model.heads().labels()::get);
        assertEquals(g.path("predicted_label").get(b).asText(), top.getFirst().label());
        assertEquals(g.path("probabilities").get(b).get(top.getFirst().id()).asDouble(), top.getFirst().probability(), 1e-5);
      }
    });
  }

  @TestFactory
  Stream<DynamicTest> tokenClassification() throws Exception {
    return task("tokcls", "tokcls", (model, backend, g, enc, out, scope) -> {
      Tensor logits = model.heads().tokenClassification(backend, scope, out);
      assertClose("logits", g.path("logits"), logits, 1e-4);
      for (int b = 0; b < enc.batch(); b++) {
        for (int s = 0; s < enc.encodings().get(b).length(); s++) {
          List<Prediction> top = Decoding.topK(logits.select(0, b).select(0, s).toArray(), 1, model.heads().labels()::get);
          assertEquals(g.path("predicted_label").get(b).get(s).asText(), top.getFirst().label(), "label of token " + s + " row " + b);
        }
      }
    });
  }

  @Test
  void missingHeadIsAClearError() throws Exception {
    BertModel tiny = BertModel.load(Refs.model("synthetic-bert-tiny"));
    open.add(tiny);
    try (Backend backend = Refs.open("java"); TensorScope scope = TensorScope.open()) {
      BertOutput out = tiny.forward(backend, scope, ModelInput.of(tiny.tokenizer().encodeBatch(List.of("hello"), null, 16)), false, false);
      var e = assertThrows(IllegalStateException.class, () -> tiny.heads().questionAnswering(backend, scope, out));
      assertTrue(e.getMessage().contains("qa_outputs"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> tiny.heads().maskedLm(backend, scope, out));
    }
  }
}
