package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.heads.Pooling;
import dev.attn4j.models.heads.SentenceEmbeddings;
import dev.attn4j.models.tokenizer.BatchEncoding;
import dev.attn4j.models.tokenizer.Token;
import dev.attn4j.spi.Backend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Tokenization and forward pass of the reference checkpoints against goldens computed outside attn4j
 * (float64 Hugging Face semantics), on every backend, with the tolerances documented in refs/README.md.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BertGoldenTest {
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterAll
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  @TestFactory
  Stream<DynamicTest> syntheticBertTiny() throws Exception {
    return cases("synthetic-bert-tiny", 1e-4);
  }

  @TestFactory
  Stream<DynamicTest> allMiniLmL6V2() throws Exception {
    return cases("all-MiniLM-L6-v2", 2e-4);
  }

  private Stream<DynamicTest> cases(String name, double paddedTolerance) throws Exception {
    BertModel model = BertModel.load(Refs.model(name));
    open.add(model);
    List<DynamicTest> tests = new ArrayList<>();
    for (Path c : Refs.cases(Refs.model(name).resolve("golden/public"))) {
      JsonNode g = Refs.json(c);
      String caseName = name + "/" + c.getFileName();
      tests.add(dynamicTest("tokenize " + caseName, () -> checkTokens(model, g)));
      for (String backendName : Refs.BACKENDS) {
        tests.add(dynamicTest("forward " + caseName + " on " + backendName, () -> {
          try (Backend backend = Refs.open(backendName)) {
            checkForward(model, backend, g, paddedTolerance);
          }
        }));
      }
    }
    return tests.stream();
  }

  static BatchEncoding encode(BertModel model, JsonNode g) {
    List<String> texts = new ArrayList<>();
    List<String> pairs = new ArrayList<>();
    boolean anyPair = false;
    for (JsonNode in : g.path("inputs")) {
      texts.add(in.has("question") ? in.get("question").asText() : in.get("text").asText());
      String pair = in.has("context") ? Refs.textOrNull(in.get("context")) : Refs.textOrNull(in.get("text_pair"));
      anyPair |= pair != null;
      pairs.add(pair);
    }
    return model.tokenizer().encodeBatch(texts, anyPair ? pairs : null, model.config().maxPositions());
  }

  private static void checkTokens(BertModel model, JsonNode g) {
    BatchEncoding enc = encode(model, g);
    List<List<String>> expected = Refs.strings(g.path("tokens"));
    for (int b = 0; b < expected.size(); b++) {
      List<String> got = enc.encodings().get(b).tokens().stream().map(Token::text).toList();
      int len = g.path("lengths").get(b).asInt();
      assertEquals(expected.get(b).subList(0, len), got, "tokens of row " + b);
    }
    assertArrayEquals(Refs.ints(g.path("input_ids")), enc.inputIds());
    assertArrayEquals(Refs.ints(g.path("token_type_ids")), enc.typeIds());
    assertArrayEquals(Refs.ints(g.path("attention_mask")), enc.attentionMask());
  }

  private static void checkForward(BertModel model, Backend backend, JsonNode g, double paddedTolerance) {
    ModelInput input = new ModelInput(Refs.ints(g.path("input_ids")), Refs.ints(g.path("token_type_ids")), Refs.ints(g.path("attention_mask")));
    boolean withProbs = !g.path("attention_probs_layer0").isNull();
    try (TensorScope scope = TensorScope.open()) {
      BertOutput out = model.forward(backend, scope, input, false, withProbs);
      int[][] mask = input.attentionMask();
      float[] hidden = out.lastHiddenState().toArray();
      int seq = input.sequenceLength();
      int h = model.config().hiddenSize();
      double worstReal = 0;
      double worstPad = 0;
      JsonNode lhs = g.path("last_hidden_state");
      for (int b = 0; b < input.batch(); b++) {
        for (int s = 0; s < seq; s++) {
          for (int i = 0; i < h; i++) {
            double d = Math.abs(hidden[(b * seq + s) * h + i] - lhs.get(b).get(s).get(i).asDouble());
            if (mask[b][s] == 1) {
              worstReal = Math.max(worstReal, d);
            } else {
              worstPad = Math.max(worstPad, d);
            }
          }
        }
      }
      assertTrue(worstReal <= 1e-4, "last_hidden_state at real tokens: max abs diff " + worstReal + " on " + backend.name());
      assertTrue(worstPad <= paddedTolerance, "last_hidden_state at padded tokens: max abs diff " + worstPad + " on " + backend.name());
      if (g.path("pooler_output").isNull()) {
        assertNull(out.pooled(), "this checkpoint has no pooler");
      } else {
        assertClose("pooler_output", g.path("pooler_output"), out.pooled(), 1e-5);
      }
      assertClose("mean-pooled embedding", g.path("sentence_embedding_mean_pooled_l2"),
          SentenceEmbeddings.pool(out.lastHiddenState(), mask, Pooling.MEAN, true), 1e-5);
      assertClose("CLS embedding", g.path("sentence_embedding_cls_l2"), SentenceEmbeddings.pool(out.lastHiddenState(), mask, Pooling.CLS, true), 1e-5);
      if (withProbs) {
        assertClose("attention probabilities, layer 0", g.path("attention_probs_layer0"), out.attentions().get(0), 1e-5);
      }
    }
  }

  static void assertClose(String what, JsonNode expected, Tensor actual, double tol) {
    float[] a = actual.toArray();
    double[] e = flatten(expected);
    assertEquals(e.length, a.length, what + ": element count");
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - e[i]));
    }
    assertTrue(worst <= tol, what + ": max abs diff " + worst + " > " + tol);
  }

  static void assertClose(String what, JsonNode expected, float[][] actual, double tol) {
    double[] e = flatten(expected);
    int k = 0;
    double worst = 0;
    for (float[] row : actual) {
      for (float v : row) {
        worst = Math.max(worst, Math.abs(v - e[k++]));
      }
    }
    assertEquals(e.length, k, what + ": element count");
    assertTrue(worst <= tol, what + ": max abs diff " + worst + " > " + tol);
  }

  static double[] flatten(JsonNode n) {
    List<Double> out = new ArrayList<>();
    flattenInto(n, out);
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static void flattenInto(JsonNode n, List<Double> out) {
    if (n.isArray()) {
      n.forEach(c -> flattenInto(c, out));
    } else {
      out.add(n.asDouble());
    }
  }
}
