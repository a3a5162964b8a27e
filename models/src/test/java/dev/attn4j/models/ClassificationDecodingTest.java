package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.models.heads.Decoding;
import dev.attn4j.models.heads.Entity;
import dev.attn4j.models.heads.Prediction;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.models.tokenizer.Token;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Classification logits to answers as Hugging Face's pipelines give them: scores per label and grouped entities. */
class ClassificationDecodingTest {
  private static final List<String> NER = List.of("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "MISC");

  @TempDir Path dir;

  /** A row of logits whose most probable label is {@code label} (probability ~0.9). */
  private static float[] pick(String label) {
    float[] l = new float[NER.size()];
    l[NER.indexOf(label)] = 4f;
    return l;
  }

  @Test
  void exclusiveLabelsTakeASoftmaxIndependentOnesASigmoid() {
    List<Prediction> p = Decoding.classify(new float[] {1f, 3f, 2f}, List.of("a", "b", "c"), false);
    assertEquals(List.of("b", "c", "a"), p.stream().map(Prediction::label).toList());
    assertEquals(1.0, p.stream().mapToDouble(Prediction::probability).sum(), 1e-12);
    assertEquals(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), p.getFirst().probability(), 1e-12);
    List<Prediction> multi = Decoding.classify(new float[] {0f, 2f}, List.of("x", "y"), true);
    assertEquals(1 / (1 + Math.exp(-2)), multi.getFirst().probability(), 1e-12);
    assertEquals(0.5, multi.get(1).probability(), 1e-12);
    // One label (a cross-encoder's relevance): its sigmoid, never a softmax of one (always 1).
    assertEquals(1 / (1 + Math.exp(1.5)), Decoding.classify(new float[] {-1.5f}, List.of("LABEL_0"), false).getFirst().probability(), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> Decoding.classify(new float[2], List.of("a"), false));
  }

  @Test
  void entitiesGroupAsTheSimpleAggregationDoes() {
    // [CLS] ada love ##lace met bob in paris [SEP] london [SEP], labels chosen to exercise every rule.
    String text = "Ada Lovelace met Bob in Paris";
    String pair = "London";
    List<Token> tokens = List.of(new Token("[CLS]", 1, 0, 0), new Token("ada", 5, 0, 3), new Token("love", 6, 4, 8), new Token("##lace", 7, 8, 12),
        new Token("met", 8, 13, 16), new Token("bob", 9, 17, 20), new Token("in", 10, 21, 23), new Token("paris", 11, 24, 29), new Token("[SEP]", 2, 0, 0),
        new Token("london", 12, 0, 6), new Token("[SEP]", 2, 0, 0));
    Encoding e = new Encoding(tokens, new int[11], new int[] {-1, 0, 0, 0, 0, 0, 0, 0, -1, 1, -1}, false);
    float[][] logits = {pick("O"), pick("B-PER"), pick("I-PER"), pick("I-PER"), pick("O"), pick("I-PER"), pick("MISC"), pick("B-LOC"), pick("O"),
        pick("I-LOC"), pick("O")};
    List<Entity> got = Decoding.entities(logits, e, NER, text, pair);
    // An I- without a B- still starts an entity; a label without prefix is its own group; the segment change splits.
    assertEquals(List.of("PER 0 0-12 Ada Lovelace", "PER 0 17-20 Bob", "MISC 0 21-23 in", "LOC 0 24-29 Paris", "LOC 1 0-6 London"),
        got.stream().map(x -> x.group() + " " + x.segment() + " " + x.start() + "-" + x.end() + " " + x.text()).toList());
    double p = Decoding.softmax(pick("B-PER"))[1];
    assertEquals(p, got.getFirst().score(), 1e-12, "the mean of its tokens' probabilities");
    assertEquals(List.of(1, 3), List.of(got.getFirst().firstToken(), got.getFirst().lastToken()));
    // B- right after an entity of the same type starts a new one.
    float[][] twice = logits.clone();
    twice[2] = pick("B-PER");
    assertEquals(List.of("Ada", "Lovelace"), Decoding.entities(twice, e, NER, text, pair).subList(0, 2).stream().map(Entity::text).toList());
    assertThrows(IllegalArgumentException.class, () -> Decoding.entities(logits, e, NER, text), "a pair needs both texts");
  }

  @Test
  void problemTypeSaysWhetherLabelsAreIndependent() throws IOException {
    String base = """
        {"model_type": "bert", "vocab_size": 30, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
         "intermediate_size": 16, "max_position_embeddings": 12 %s}""";
    Path f = dir.resolve("config.json");
    Files.writeString(f, base.formatted(""));
    assertTrue(!BertConfig.read(f).multiLabel());
    Files.writeString(f, base.formatted(", \"problem_type\": \"multi_label_classification\""));
    assertTrue(BertConfig.read(f).multiLabel());
    Files.writeString(f, base.formatted(", \"problem_type\": \"ranking\""));
    var ex = assertThrows(ModelFormatException.class, () -> BertConfig.read(f));
    assertTrue(ex.getMessage().contains("problem_type \"ranking\""), ex.getMessage());
  }
}
