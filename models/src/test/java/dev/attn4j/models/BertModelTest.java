package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.tokenizer.BertTokenizer;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.models.tokenizer.Token;
import dev.attn4j.spi.Backend;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Input validation, missing heads and tokenizer limits on the synthetic checkpoint. Forward passes on real backends are
 * the conformance suite's model cases (module conformance-tests), which run on every backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BertModelTest {
  private static final List<String> TEXTS = List.of("the cat sat on the mat.", "a dog", "hello world, this is a longer sentence with more words in it.",
      "zürich", "[MASK] is here");
  private BertModel model;

  @BeforeAll
  void load() throws Exception {
    model = BertModel.load(Refs.model("synthetic-bert-tiny"));
  }

  @AfterAll
  void close() {
    model.close();
  }

  @Test
  void badIdsAreRejectedBeforeAnyWork() {
    try (Backend backend = new NoComputeBackend(); TensorScope scope = TensorScope.open()) {
      var e = assertThrows(IllegalArgumentException.class,
          () -> model.forward(backend, scope, new ModelInput(new int[][] {{101, 512, 102}}, null, null), false, false));
      assertTrue(e.getMessage().contains("input_ids[0][1] = 512"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> model.forward(backend, scope, new ModelInput(new int[][] {{101, -1}}, null, null), false, false));
      assertTrue(e.getMessage().contains("input_ids[0][1] = -1"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> model.forward(backend, scope, new ModelInput(new int[1][129], null, null), false, false));
      assertTrue(e.getMessage().contains("max_position_embeddings 128"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> model.forward(backend, scope, new ModelInput(new int[][] {{101, 102}}, new int[][] {{0, 2}}, null), false, false));
      assertTrue(e.getMessage().contains("token_type_ids[0][1] = 2"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> new ModelInput(new int[][] {{1, 2}, {3}}, null, null));
      assertThrows(IllegalArgumentException.class, () -> new ModelInput(new int[][] {{1, 2}}, null, new int[][] {{1, 7}}));
    }
  }

  /** Asking a checkpoint for a head it lacks names the missing weights, before any kernel runs. */
  @Test
  void missingHeadIsAClearError() {
    try (Backend backend = new NoComputeBackend(); TensorScope scope = TensorScope.open()) {
      BertOutput out = new BertOutput(scope.allocate(1, 2, model.config().hiddenSize()), null, List.of(), List.of());
      var e = assertThrows(IllegalStateException.class, () -> model.heads().questionAnswering(backend, scope, out));
      assertTrue(e.getMessage().contains("qa_outputs"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> model.heads().maskedLm(backend, scope, out));
    }
  }

  @Test
  void truncationIsLongestFirstAndOffsetsPointIntoTheText() {
    BertTokenizer tok = (BertTokenizer) model.tokenizer();
    Encoding e = tok.encode("the cat sat on the mat", "a dog", 6);
    assertEquals(6, e.length());
    assertTrue(e.truncated());
    List<String> a = tok.tokenize("the cat sat on the mat").stream().map(Token::text).toList();
    List<String> b = tok.tokenize("a dog").stream().map(Token::text).toList();
    assertTrue(a.size() > 2 && b.size() == 2, a + " " + b);
    // Longest first: A shrinks to 2, then the tie is broken by dropping from B.
    assertEquals(List.of("[CLS]", a.get(0), a.get(1), "[SEP]", b.get(0), "[SEP]"), e.tokens().stream().map(Token::text).toList());
    assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1}, e.typeIds());
    assertThrows(IllegalArgumentException.class, () -> tok.encode("x", "y", 2));
    String text = "Zürich, the CAT!";
    for (Token t : tok.tokenize(text)) {
      assertTrue(t.start() >= 0 && t.end() <= text.length() && t.start() < t.end(), t.toString());
    }
    assertEquals("Zürich", text.substring(tok.tokenize(text).getFirst().start(), tok.tokenize(text).get(4).end()));
    assertEquals(List.of("[UNK]"), tok.tokenize("a".repeat(101)).stream().map(Token::text).toList());
    assertEquals("[MASK]", tok.tokenize("x[MASK]y").get(1).text());
    assertTrue(tok.tokenize("\u200b\u0000\ufffd").isEmpty(), "control, NUL and U+FFFD are dropped");
  }
}
