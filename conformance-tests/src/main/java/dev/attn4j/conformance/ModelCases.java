package dev.attn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.api.layers.PreparedWeights;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.BertOutput;
import dev.attn4j.models.ModelInput;
import dev.attn4j.models.SentenceEncoder;
import dev.attn4j.models.TextClassifier;
import dev.attn4j.models.TokenClassifier;
import dev.attn4j.models.heads.AnswerSpan;
import dev.attn4j.models.heads.Decoding;
import dev.attn4j.models.heads.Entity;
import dev.attn4j.models.heads.Pooling;
import dev.attn4j.models.heads.Prediction;
import dev.attn4j.models.heads.SentenceEmbeddings;
import dev.attn4j.models.onnx.OnnxImport;
import dev.attn4j.models.safetensors.SafeTensors;
import dev.attn4j.models.tokenizer.BatchEncoding;
import dev.attn4j.models.tokenizer.Encoding;
import dev.attn4j.spi.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicNode;

/**
 * End-to-end BERT forward passes and task heads on the reference checkpoints against their float64 goldens
 * ({@link ReferenceData}), plus batching and sharing a model across threads. Checkpoints are loaded on first use and
 * closed with {@link #close()}. A checkpoint the data set lacks yields skipped cases that say how to include it.
 */
final class ModelCases implements AutoCloseable {
  /** Checkpoints with plain encoder goldens, and the tolerance their padded positions support (refs/README.md). */
  private static final Map<String, Double> ENCODERS = Map.of("synthetic-bert-tiny", 1e-4, "all-MiniLM-L6-v2", 2e-4, "bge-small-en-v1.5", 1e-4,
      "bge-small-zh-v1.5", 1e-4);
  /** Checkpoints whose weights come only as ONNX exports (converted by attn4j's importer), with their goldens in the refs. */
  private static final List<String> FROM_ONNX = List.of("bge-small-en-v1.5", "bge-small-zh-v1.5");
  private static final String HEADS = "synthetic-bert-heads";
  private static final List<String> TEXTS = List.of("the cat sat on the mat.", "a dog", "hello world, this is a longer sentence with more words in it.",
      "zürich", "[MASK] is here");

  private final Backend backend;
  private final Tolerances tol;
  private final ReferenceData refs;
  /** Labels, top-k orders and spans must match exactly only in float32; bf16 moves logits enough to swap near ties. */
  private final boolean exactDecisions;
  private final Map<Path, BertModel> models = new HashMap<>();
  /** RoBERTa-layout copies of BERT folders ({@link RobertaLayout}), written on first use and deleted by {@link #close()}. */
  /** Checkpoints rewritten in another family's layout, by layout and source folder. */
  private final Map<String, Path> layoutCopies = new HashMap<>();

  ModelCases(Backend backend, Tolerances tol, ReferenceData refs) {
    this.backend = backend;
    this.tol = tol;
    this.refs = refs;
    this.exactDecisions = tol.precision() == PrecisionClass.F32;
  }

  /** The cases, one container per checkpoint. */
  List<DynamicNode> nodes() {
    List<DynamicNode> nodes = new ArrayList<>();
    for (String name : List.of("synthetic-bert-tiny", "all-MiniLM-L6-v2", "bge-small-en-v1.5", "bge-small-zh-v1.5")) {
      Optional<Path> dir = refs.model(name);
      Optional<Path> onnx = FROM_ONNX.contains(name) ? ReferenceData.onnxJar(name) : Optional.empty();
      List<DynamicNode> tests = new ArrayList<>();
      if (dir.isEmpty() || FROM_ONNX.contains(name) && onnx.isEmpty()) {
        String why = dir.isEmpty()
            ? name + " is not among " + refs.source() + "; point -D" + ReferenceData.PROPERTY + "=DIR (attn4j conformance --refs DIR) at a folder holding it, "
                + "e.g. attn4j's ../shared/refs"
            : name + "'s weights come from its ONNX export: list the model jar in -D" + ReferenceData.ONNX_PROPERTY + " (attn4j conformance --onnx-jar)";
        tests.add(dynamicTest("BERT forward " + name, () -> Assumptions.abort(why)));
      } else {
        for (Path c : ReferenceData.cases(dir.get().resolve("golden/public"))) {
          tests.add(dynamicTest("BERT forward " + name + "/" + c.getFileName(), () -> forward(onnx.isPresent() ? converted(onnx.get()) : dir.get(), c,
              ENCODERS.get(name))));
        }
      }
      nodes.add(dynamicContainer(name, tests));
    }
    refs.model("synthetic-bert-tiny").ifPresent(dir -> nodes.add(dynamicContainer("batching and threads", List.of(
        dynamicTest("padded batch equals each sequence alone", () -> paddedBatchEqualsEachSequenceAlone(dir)),
        dynamicTest("one model shared by 4 threads", () -> threadsSharingTheModel(dir)),
        dynamicTest("SentenceEncoder: batch size and input order do not change an embedding", () -> sentenceEncoderBatching(dir)),
        dynamicTest("closing a model releases the backend's prepared copies of its weights", () -> closeReleasesPreparedCopies(dir))))));
    refs.model(HEADS).ifPresent(dir -> nodes.add(dynamicContainer("task heads", headCases(dir))));
    nodes.add(dynamicContainer("RoBERTa layout", robertaCases()));
    nodes.add(dynamicContainer("DistilBERT layout", distilBertCases()));
    nodes.add(dynamicContainer("ELECTRA layout", electraCases()));
    return nodes;
  }

  private BertModel model(Path dir) {
    return models.computeIfAbsent(dir, d -> {
      try {
        return BertModel.load(d);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load " + d, e);
      }
    });
  }

  /** The folder attn4j's ONNX importer makes of a model jar (converted once into the per-user cache). */
  private static Path converted(Path jar) {
    try {
      return OnnxImport.cachedFromJar(jar);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot convert " + jar, e);
    }
  }

  // ---- encoders ---------------------------------------------------------------------------------

  private void forward(Path dir, Path golden, double paddedTolerance) {
    BertModel model = model(dir);
    JsonNode g = ReferenceData.json(golden);
    BatchEncoding enc = encode(model, g);
    checkTokens(g, enc);
    ModelInput input = ModelInput.of(enc);
    boolean withProbs = !g.path("attention_probs_layer0").isNull();
    try (TensorScope scope = TensorScope.open()) {
      BertOutput out = model.forward(backend, scope, input, false, withProbs);
      int[][] mask = input.attentionMask();
      int seq = input.sequenceLength();
      int h = model.config().hiddenSize();
      double[] expected = flatten(g.path("last_hidden_state"));
      boolean padding = paddingComparable(model);
      Budget.check("last_hidden_state", expected, out.lastHiddenState().toArray(),
          i -> mask[i / (seq * h)][i / h % seq] == 1 ? tol.hiddenState() : padding ? tol.paddedHiddenState(paddedTolerance) : Double.POSITIVE_INFINITY);
      // DistilBERT and ELECTRA have no pooler by design; their layouts of a checkpoint that has one drop it.
      if (g.path("pooler_output").isNull() || List.of("distilbert", "electra").contains(model.config().modelType())) {
        assertNull(out.pooled(), "this checkpoint has no pooler");
      } else {
        within("pooler_output", g.path("pooler_output"), out.pooled().toArray(), tol.pooler());
      }
      within("mean-pooled embedding", g.path("sentence_embedding_mean_pooled_l2"),
          flat(SentenceEmbeddings.pool(out.lastHiddenState(), mask, Pooling.MEAN, true)), tol.unitScale());
      within("CLS embedding", g.path("sentence_embedding_cls_l2"), flat(SentenceEmbeddings.pool(out.lastHiddenState(), mask, Pooling.CLS, true)),
          tol.unitScale());
      if (withProbs) {
        int heads = model.config().heads();
        Budget.check("attention probabilities, layer 0", flatten(g.path("attention_probs_layer0")), out.attentions().get(0).toArray(),
            i -> padding || mask[i / (heads * seq * seq)][i / seq % seq] == 1 ? tol.unitScale() : Double.POSITIVE_INFINITY);
      }
    }
    if (enc.encodings().stream().allMatch(e -> Arrays.stream(e.typeIds()).allMatch(t -> t == 0))) {
      // The same texts through the high-level API, in batches of two sorted by length: each row back in its place.
      List<String> texts = new ArrayList<>();
      g.path("inputs").forEach(in -> texts.add(in.path("text").asText()));
      within("SentenceEncoder, mean pooling, L2", g.path("sentence_embedding_mean_pooled_l2"),
          flat(SentenceEncoder.of(model, backend, Pooling.MEAN, true).withBatchSize(2).embed(texts)), tol.unitScale());
      within("SentenceEncoder, CLS pooling, L2", g.path("sentence_embedding_cls_l2"),
          flat(SentenceEncoder.of(model, backend, Pooling.CLS, true).withBatchSize(2).embed(texts)), tol.unitScale());
    }
  }

  private static BatchEncoding encode(BertModel model, JsonNode g) {
    return model.tokenizer().encodeBatch(texts(g), pairs(g), model.config().maxSequenceLength());
  }

  /** The golden's first texts (or questions). */
  private static List<String> texts(JsonNode g) {
    List<String> texts = new ArrayList<>();
    for (JsonNode in : g.path("inputs")) {
      texts.add(in.has("question") ? in.get("question").asText() : in.get("text").asText());
    }
    return texts;
  }

  /** The golden's second texts (or contexts), or null when no row has one. */
  private static List<String> pairs(JsonNode g) {
    List<String> pairs = new ArrayList<>();
    boolean anyPair = false;
    for (JsonNode in : g.path("inputs")) {
      String pair = in.has("context") ? textOrNull(in.get("context")) : textOrNull(in.get("text_pair"));
      anyPair |= pair != null;
      pairs.add(pair);
    }
    return anyPair ? pairs : null;
  }

  /** The model's input must be the golden's before any number is compared: a tokenizer fault is not a backend's. */
  private static void checkTokens(JsonNode g, BatchEncoding enc) {
    assertArrayEquals(ints(g.path("input_ids")), enc.inputIds(), "input_ids");
    assertArrayEquals(ints(g.path("token_type_ids")), enc.typeIds(), "token_type_ids");
    assertArrayEquals(ints(g.path("attention_mask")), enc.attentionMask(), "attention_mask");
  }

  private float[][] embed(BertModel model, List<String> texts) {
    BatchEncoding enc = model.tokenizer().encodeBatch(texts, null, 128);
    try (TensorScope scope = TensorScope.open()) {
      BertOutput out = model.forward(backend, scope, ModelInput.of(enc), false, false);
      return SentenceEmbeddings.pool(out.lastHiddenState(), enc.attentionMask(), Pooling.MEAN, false);
    }
  }

  /** Padding must be invisible: each row of a padded batch equals that sequence run alone, within the f32 layer budget. */
  private void paddedBatchEqualsEachSequenceAlone(Path dir) {
    BertModel model = model(dir);
    float[][] batched = embed(model, TEXTS);
    for (int i = 0; i < TEXTS.size(); i++) {
      float[] alone = embed(model, List.of(TEXTS.get(i)))[0];
      Budget.within("row " + i + " (\"" + TEXTS.get(i) + "\") batched vs alone", Oracle.toDouble(alone), batched[i], tol.hiddenState() / 10);
    }
  }

  /**
   * {@link SentenceEncoder} sorts texts by length and runs them in batches: whatever the batch size, each embedding is
   * the one the padded batch of all texts gives, in input order; one text alone gives the same.
   */
  private void sentenceEncoderBatching(Path dir) {
    BertModel model = model(dir);
    float[][] expected = embed(model, TEXTS);
    SentenceEncoder encoder = SentenceEncoder.of(model, backend, Pooling.MEAN, false).withMaxLength(128);
    for (int batchSize : new int[] {1, 2, 3, 32}) {
      float[][] got = encoder.withBatchSize(batchSize).embed(TEXTS);
      assertEquals(TEXTS.size(), got.length);
      for (int i = 0; i < TEXTS.size(); i++) {
        Budget.within("batch size " + batchSize + ", row " + i + " (\"" + TEXTS.get(i) + "\")", Oracle.toDouble(expected[i]), got[i], tol.hiddenState() / 10);
      }
    }
    Budget.within("one text alone", Oracle.toDouble(expected[2]), encoder.embed(TEXTS.get(2)), tol.hiddenState() / 10);
    assertEquals(0, encoder.embed(List.of()).length);
  }

  /** A model and a backend shared by threads give each thread the single-threaded answer. */
  private void threadsSharingTheModel(Path dir) throws Exception {
    BertModel model = model(dir);
    float[][] expected = embed(model, TEXTS);
    Concurrency.runConcurrently(4, id -> {
      for (int r = 0; r < 2; r++) {
        float[][] got = embed(model, TEXTS);
        for (int i = 0; i < expected.length; i++) {
          Budget.within("thread " + id + " row " + i, Oracle.toDouble(expected[i]), got[i], tol.hiddenState() / 10);
        }
      }
    });
  }

  /**
   * A model of its own (not the shared one), used and closed: the prepared copies this backend made of its weights
   * are gone from {@link PreparedWeights} at once, not at some later collection.
   */
  private void closeReleasesPreparedCopies(Path dir) throws IOException {
    long before = PreparedWeights.bytes(backend);
    try (BertModel model = BertModel.load(dir)) {
      embed(model, TEXTS);
      assertTrue(PreparedWeights.bytes(backend) >= before);
    }
    assertEquals(before, PreparedWeights.bytes(backend), "bytes of prepared copies held after the model closed");
  }

  // ---- task heads -------------------------------------------------------------------------------

  private interface HeadCheck {
    void run(BertModel model, JsonNode golden, BatchEncoding enc, BertOutput out, TensorScope scope);
  }

  private List<DynamicNode> headCases(Path root) {
    List<DynamicNode> tests = new ArrayList<>();
    head(tests, root, "mlm", "heads", this::maskedLm, "HEAD ", dir -> dir);
    head(tests, root, "nsp", "heads", this::nextSentence, "HEAD ", dir -> dir);
    head(tests, root, "qa", "heads", this::questionAnswering, "HEAD ", dir -> dir);
    head(tests, root, "seqcls", "seqcls", this::sequenceClassification, "HEAD ", dir -> dir);
    head(tests, root, "tokcls", "tokcls", this::tokenClassification, "HEAD ", dir -> dir);
    return tests;
  }

  /**
   * The synthetic checkpoints rewritten in the RoBERTa family's layout against the same BERT goldens (see
   * {@link RobertaLayout}): names, position ids from past the padding index, RoBERTa's masked-LM and sequence heads.
   * Padded positions are not compared, as RoBERTa gives them the padding row's position.
   */
  private List<DynamicNode> robertaCases() {
    List<DynamicNode> tests = new ArrayList<>();
    refs.model("synthetic-bert-tiny").ifPresent(dir -> {
      for (Path c : ReferenceData.cases(dir.resolve("golden/public"))) {
        tests.add(dynamicTest("RoBERTa forward synthetic-bert-tiny/" + c.getFileName(), () -> forward(roberta(dir), c, ENCODERS.get("synthetic-bert-tiny"))));
      }
    });
    refs.model(HEADS).ifPresent(root -> {
      head(tests, root, "mlm", "heads", this::maskedLm, "RoBERTa HEAD ", this::roberta);
      head(tests, root, "qa", "heads", this::questionAnswering, "RoBERTa HEAD ", this::roberta);
      head(tests, root, "seqcls", "seqcls", this::sequenceClassification, "RoBERTa HEAD ", this::roberta);
      head(tests, root, "tokcls", "tokcls", this::tokenClassification, "RoBERTa HEAD ", this::roberta);
    });
    return tests;
  }

  /**
   * The synthetic checkpoints rewritten in DistilBERT's layout (see {@link DistilBertLayout}) against the BERT goldens
   * whose inputs have only token type 0 (DistilBERT has no token types): the encoder, the masked-LM head, token
   * classification, and a seeded sequence head against a float64 oracle.
   */
  private List<DynamicNode> distilBertCases() {
    List<DynamicNode> tests = new ArrayList<>();
    refs.model("synthetic-bert-tiny").ifPresent(dir -> {
      for (Path c : ReferenceData.cases(dir.resolve("golden/public"))) {
        if (onlyTypeZero(c)) {
          tests.add(dynamicTest("DistilBERT forward synthetic-bert-tiny/" + c.getFileName(), () -> {
            forward(distilBert(dir), c, ENCODERS.get("synthetic-bert-tiny"));
            seededSequenceHead(model(distilBert(dir)), ReferenceData.json(c), "pre_classifier", "classifier", x -> Math.max(0, x));
          }));
        } else {
          tests.add(dynamicTest("DistilBERT ignores token types, synthetic-bert-tiny/" + c.getFileName(), () -> distilBertIgnoresTypes(model(distilBert(dir)), c)));
        }
      }
    });
    refs.model(HEADS).ifPresent(root -> {
      head(tests, root, "mlm", "heads", this::maskedLm, "DistilBERT HEAD ", this::distilBert, ModelCases::onlyTypeZero);
      head(tests, root, "tokcls", "tokcls", this::tokenClassification, "DistilBERT HEAD ", this::distilBert, ModelCases::onlyTypeZero);
    });
    return tests;
  }

  /**
   * A seeded sequence head, {@code out(activation(dense(h[:, 0])))} (DistilBERT's {@code pre_classifier} + ReLU,
   * ELECTRA's {@code classifier.dense} + GELU), against the same computed in double from the golden first-token hidden
   * states and the head weights of the layout's copy.
   */
  private void seededSequenceHead(BertModel model, JsonNode g, String dense, String out, java.util.function.DoubleUnaryOperator activation) {
    BatchEncoding enc = encode(model, g);
    int h = model.config().hiddenSize();
    int labels = model.config().labels().size();
    try (SafeTensors w = SafeTensors.open(model.directory().resolve("model.safetensors")); TensorScope s = TensorScope.open()) {
      float[] pw = w.tensor(dense + ".weight", s).toArray();
      float[] pb = w.tensor(dense + ".bias", s).toArray();
      float[] cw = w.tensor(out + ".weight", s).toArray();
      float[] cb = w.tensor(out + ".bias", s).toArray();
      double[] expected = new double[enc.batch() * labels];
      for (int b = 0; b < enc.batch(); b++) {
        double[] h0 = flatten(g.path("last_hidden_state").get(b).get(0));
        double[] hidden = new double[h];
        for (int o = 0; o < h; o++) {
          double acc = pb[o];
          for (int i = 0; i < h; i++) {
            acc += (double) pw[o * h + i] * h0[i];
          }
          hidden[o] = activation.applyAsDouble(acc);
        }
        for (int c = 0; c < labels; c++) {
          double acc = cb[c];
          for (int i = 0; i < h; i++) {
            acc += (double) cw[c * h + i] * hidden[i];
          }
          expected[b * labels + c] = acc;
        }
      }
      try (TensorScope scope = TensorScope.open()) {
        Tensor logits = model.heads().sequenceClassification(backend, scope, model.forward(backend, scope, ModelInput.of(enc), false, false));
        Budget.within(model.config().modelType() + " sequence logits", expected, logits.toArray(), tol.logits(false));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The synthetic checkpoints rewritten in ELECTRA's layout (see {@link ElectraLayout}) against the BERT goldens: every
   * encoder case, question answering, token classification, a seeded sequence head against a float64 oracle, and
   * ELECTRA-small's narrower embeddings with their projection against a float64 oracle.
   */
  private List<DynamicNode> electraCases() {
    List<DynamicNode> tests = new ArrayList<>();
    refs.model("synthetic-bert-tiny").ifPresent(dir -> {
      for (Path c : ReferenceData.cases(dir.resolve("golden/public"))) {
        tests.add(dynamicTest("ELECTRA forward synthetic-bert-tiny/" + c.getFileName(), () -> {
          forward(electra(dir), c, ENCODERS.get("synthetic-bert-tiny"));
          seededSequenceHead(model(electra(dir)), ReferenceData.json(c), "classifier.dense", "classifier.out_proj", Oracle::gelu);
        }));
      }
    });
    refs.model("synthetic-bert-tiny").ifPresent(dir -> tests.add(dynamicTest("ELECTRA embeddings narrower than the layers (embeddings_project)",
        () -> narrowElectraEmbeddings(model(layoutCopy("electra-small", dir, (bert, out) -> ElectraLayout.writeNarrow(bert, out, 40)))))));
    refs.model(HEADS).ifPresent(root -> {
      head(tests, root, "qa", "heads", this::questionAnswering, "ELECTRA HEAD ", this::electra);
      head(tests, root, "tokcls", "tokcls", this::tokenClassification, "ELECTRA HEAD ", this::electra);
    });
    return tests;
  }

  /**
   * The embedding output (hidden state 0) of an ELECTRA checkpoint with narrower embeddings: word + position + type
   * rows, LayerNorm over the narrow width, then {@code embeddings_project} up to the hidden size, computed in double
   * from the checkpoint's tensors.
   */
  private void narrowElectraEmbeddings(BertModel model) {
    int e = model.config().embeddingSize();
    int h = model.config().hiddenSize();
    assertTrue(e < h, "the copy's embeddings are narrower than its layers");
    BatchEncoding enc = model.tokenizer().encodeBatch(List.of("the cat sat on the mat.", "a dog"), List.of("hello world", "x"), 64);
    try (SafeTensors w = SafeTensors.open(model.directory().resolve("model.safetensors")); TensorScope s = TensorScope.open()) {
      float[] word = w.tensor("electra.embeddings.word_embeddings.weight", s).toArray();
      float[] pos = w.tensor("electra.embeddings.position_embeddings.weight", s).toArray();
      float[] type = w.tensor("electra.embeddings.token_type_embeddings.weight", s).toArray();
      float[] gamma = w.tensor("electra.embeddings.LayerNorm.weight", s).toArray();
      float[] beta = w.tensor("electra.embeddings.LayerNorm.bias", s).toArray();
      float[] pw = w.tensor("electra.embeddings_project.weight", s).toArray();
      float[] pb = w.tensor("electra.embeddings_project.bias", s).toArray();
      int seq = enc.sequenceLength();
      double[] expected = new double[enc.batch() * seq * h];
      for (int b = 0; b < enc.batch(); b++) {
        for (int t = 0; t < seq; t++) {
          double[] x = new double[e];
          double mean = 0;
          for (int i = 0; i < e; i++) {
            x[i] = (double) word[enc.inputIds()[b][t] * e + i] + pos[t * e + i] + type[enc.typeIds()[b][t] * e + i];
            mean += x[i] / e;
          }
          double var = 0;
          for (int i = 0; i < e; i++) {
            var += (x[i] - mean) * (x[i] - mean) / e;
          }
          for (int i = 0; i < e; i++) {
            x[i] = (x[i] - mean) / Math.sqrt(var + model.config().layerNormEps()) * gamma[i] + beta[i];
          }
          for (int o = 0; o < h; o++) {
            double acc = pb[o];
            for (int i = 0; i < e; i++) {
              acc += (double) pw[o * e + i] * x[i];
            }
            expected[(b * seq + t) * h + o] = acc;
          }
        }
      }
      try (TensorScope scope = TensorScope.open()) {
        BertOutput out = model.forward(backend, scope, ModelInput.of(enc), true, false);
        assertEquals(List.of(enc.batch(), seq, h), List.of(out.hiddenStates().get(0).dim(0), out.hiddenStates().get(0).dim(1), out.hiddenStates().get(0).dim(2)));
        Budget.within("ELECTRA projected embeddings", expected, out.hiddenStates().get(0).toArray(), tol.hiddenState());
        assertEquals(List.of(enc.batch(), seq, h), List.of(out.lastHiddenState().dim(0), out.lastHiddenState().dim(1), out.lastHiddenState().dim(2)));
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private Path electra(Path bertDir) {
    return layoutCopy("electra", bertDir, ElectraLayout::write);
  }

  /** A pair's encoding, with its type-1 tokens, gives what the same ids give with every type 0: DistilBERT has no types. */
  private void distilBertIgnoresTypes(BertModel model, Path golden) {
    BatchEncoding enc = encode(model, ReferenceData.json(golden));
    int[][] zeros = new int[enc.batch()][enc.sequenceLength()];
    try (TensorScope scope = TensorScope.open()) {
      float[] withTypes = model.forward(backend, scope, ModelInput.of(enc), false, false).lastHiddenState().toArray();
      float[] without = model.forward(backend, scope, new ModelInput(enc.inputIds(), zeros, enc.attentionMask()), false, false).lastHiddenState().toArray();
      assertArrayEquals(without, withTypes, "token type ids must not change a DistilBERT forward");
    }
  }

  /** Whether every token of the golden's inputs has token type 0. */
  private static boolean onlyTypeZero(Path golden) {
    for (JsonNode row : ReferenceData.json(golden).path("token_type_ids")) {
      for (JsonNode t : row) {
        if (t.asInt() != 0) {
          return false;
        }
      }
    }
    return true;
  }

  private Path roberta(Path bertDir) {
    return layoutCopy("roberta", bertDir, RobertaLayout::write);
  }

  private Path distilBert(Path bertDir) {
    return layoutCopy("distilbert", bertDir, DistilBertLayout::write);
  }

  /** Writes a checkpoint in another layout, once per folder and layout, into a temporary folder that close() deletes. */
  private interface LayoutWriter {
    Path write(Path bert, Path out) throws IOException;
  }

  private Path layoutCopy(String layout, Path bertDir, LayoutWriter writer) {
    return layoutCopies.computeIfAbsent(layout + ":" + bertDir, key -> {
      try {
        return writer.write(bertDir, Files.createTempDirectory("attn4j-" + layout + "-"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write a " + layout + " copy of " + bertDir, e);
      }
    });
  }

  private void head(List<DynamicNode> tests, Path root, String task, String folder, HeadCheck check, String label, UnaryOperator<Path> layout) {
    head(tests, root, task, folder, check, label, layout, c -> true);
  }

  private void head(List<DynamicNode> tests, Path root, String task, String folder, HeadCheck check, String label, UnaryOperator<Path> layout,
      java.util.function.Predicate<Path> include) {
    for (Path c : ReferenceData.cases(root.resolve("golden/public/" + task))) {
      if (!include.test(c)) {
        continue;
      }
      tests.add(dynamicTest(label + task + "/" + c.getFileName(), () -> {
        BertModel model = model(layout.apply(root.resolve(folder)));
        JsonNode g = ReferenceData.json(c);
        BatchEncoding enc = encode(model, g);
        assertArrayEquals(ints(g.path("input_ids")), enc.inputIds(), "input_ids");
        assertArrayEquals(ints(g.path("token_type_ids")), enc.typeIds(), "token_type_ids");
        try (TensorScope scope = TensorScope.open()) {
          BertOutput out = model.forward(backend, scope, ModelInput.of(enc), false, false);
          check.run(model, g, enc, out, scope);
        }
      }));
    }
  }

  private void maskedLm(BertModel model, JsonNode g, BatchEncoding enc, BertOutput out, TensorScope scope) {
    Tensor logits = model.heads().maskedLm(backend, scope, out);
    JsonNode positions = g.path("mask_positions");
    for (int m = 0; m < positions.size(); m++) {
      int row = positions.get(m).get(0).asInt();
      int pos = positions.get(m).get(1).asInt();
      assertEquals(model.tokenizer().maskId(), enc.inputIds()[row][pos]);
      Tensor rowLogits = logits.select(0, row).select(0, pos);
      within("mask logits " + m, g.path("mask_logits").get(m), rowLogits.toArray(), tol.logits(true));
      List<Prediction> top = Decoding.topK(rowLogits.toArray(), 5, model.tokenizer()::token);
      JsonNode expected = g.path("top5").get(m);
      for (int i = 0; i < 5; i++) {
        if (exactDecisions) {
          assertEquals(expected.path("ids").get(i).asInt(), top.get(i).id(), "top-5 id " + i);
          assertEquals(expected.path("tokens").get(i).asText(), top.get(i).label());
        }
        assertEquals(expected.path("probabilities").get(i).asDouble(), top.get(i).probability(), tol.unitScale());
      }
    }
  }

  private void nextSentence(BertModel model, JsonNode g, BatchEncoding enc, BertOutput out, TensorScope scope) {
    within("pooler", g.path("pooler_output"), out.pooled().toArray(), tol.pooler());
    Tensor logits = model.heads().nextSentence(backend, scope, out);
    within("NSP logits", g.path("seq_relationship_logits"), logits.toArray(), tol.logits(false));
    for (int b = 0; b < enc.batch() && exactDecisions; b++) {
      List<Prediction> top = Decoding.topK(logits.select(0, b).toArray(), 1, i -> i == 0 ? "isNext" : "notNext");
      assertEquals(g.path("predicted").get(b).asInt(), top.getFirst().id());
    }
  }

  private void questionAnswering(BertModel model, JsonNode g, BatchEncoding enc, BertOutput out, TensorScope scope) {
    Tensor logits = model.heads().questionAnswering(backend, scope, out);
    for (int b = 0; b < enc.batch(); b++) {
      float[] start = logits.select(0, b).select(1, 0).toArray();
      float[] end = logits.select(0, b).select(1, 1).toArray();
      JsonNode gs = g.path("start_logits").get(b);
      JsonNode ge = g.path("end_logits").get(b);
      int[][] rowMask = {Arrays.copyOf(enc.attentionMask()[b], gs.size())};
      withinTokens("start logits row " + b, gs, Arrays.copyOf(start, gs.size()), rowMask, 1, tol.logits(false), paddingComparable(model));
      withinTokens("end logits row " + b, ge, Arrays.copyOf(end, ge.size()), rowMask, 1, tol.logits(false), paddingComparable(model));
      String context = g.path("inputs").get(b).path("context").asText();
      AnswerSpan span = Decoding.bestSpan(start, end, enc.encodings().get(b), context, Decoding.MAX_ANSWER_TOKENS);
      JsonNode best = g.path("best_span").get(b);
      if (exactDecisions) {
        assertEquals(best.path("start_token").asInt(), span.startToken(), "start token");
        assertEquals(best.path("end_token").asInt(), span.endToken(), "end token");
        assertEquals(best.path("char_start").asInt(), span.charStart());
        assertEquals(best.path("char_end").asInt(), span.charEnd());
        assertEquals(best.path("answer").asText(), span.answer());
        assertEquals(best.path("score").asDouble(), span.score(), 2 * tol.logits(false));
      }
    }
  }

  private void sequenceClassification(BertModel model, JsonNode g, BatchEncoding enc, BertOutput out, TensorScope scope) {
    Tensor logits = model.heads().sequenceClassification(backend, scope, out);
    within("logits", g.path("logits"), logits.toArray(), tol.logits(false));
    for (int b = 0; b < enc.batch() && exactDecisions; b++) {
      List<Prediction> top = Decoding.topK(logits.select(0, b).toArray(), 1, model.heads().labels()::get);
      assertEquals(g.path("predicted_label").get(b).asText(), top.getFirst().label());
      assertEquals(g.path("probabilities").get(b).get(top.getFirst().id()).asDouble(), top.getFirst().probability(), tol.unitScale());
    }
    // The one-call classifier (batches of two, sorted by length) gives every label its golden probability.
    List<List<Prediction>> all = TextClassifier.of(model, backend).withBatchSize(2).classify(texts(g), pairs(g));
    for (int b = 0; b < all.size(); b++) {
      for (Prediction p : all.get(b)) {
        assertEquals(g.path("probabilities").get(b).get(p.id()).asDouble(), p.probability(), tol.unitScale(), "TextClassifier row " + b + " label " + p.label());
      }
    }
  }

  private void tokenClassification(BertModel model, JsonNode g, BatchEncoding enc, BertOutput out, TensorScope scope) {
    Tensor logits = model.heads().tokenClassification(backend, scope, out);
    withinTokens("logits", g.path("logits"), logits.toArray(), enc.attentionMask(), logits.dim(2), tol.logits(false), paddingComparable(model));
    for (int b = 0; b < enc.batch() && exactDecisions; b++) {
      for (int s = 0; s < enc.encodings().get(b).length(); s++) {
        List<Prediction> top = Decoding.topK(logits.select(0, b).select(0, s).toArray(), 1, model.heads().labels()::get);
        assertEquals(g.path("predicted_label").get(b).get(s).asText(), top.getFirst().label(), "label of token " + s + " row " + b);
      }
    }
    if (!exactDecisions) {
      return;
    }
    // The one-call classifier finds the entities that the golden logits form.
    List<String> texts = texts(g);
    List<String> pairs = pairs(g);
    List<List<Entity>> found = TokenClassifier.of(model, backend).withBatchSize(2).entities(texts, pairs);
    for (int b = 0; b < found.size(); b++) {
      Encoding e = enc.encodings().get(b);
      float[][] golden = new float[e.length()][];
      for (int t = 0; t < golden.length; t++) {
        double[] row = flatten(g.path("logits").get(b).get(t));
        golden[t] = new float[row.length];
        for (int k = 0; k < row.length; k++) {
          golden[t][k] = (float) row[k];
        }
      }
      String[] sources = pairs == null || pairs.get(b) == null ? new String[] {texts.get(b)} : new String[] {texts.get(b), pairs.get(b)};
      List<Entity> expected = Decoding.entities(golden, e, model.config().labels(), sources);
      assertEquals(expected.stream().map(x -> x.group() + " " + x.segment() + " " + x.start() + "-" + x.end() + " " + x.text()).toList(),
          found.get(b).stream().map(x -> x.group() + " " + x.segment() + " " + x.start() + "-" + x.end() + " " + x.text()).toList(), "entities of row " + b);
      for (int i = 0; i < expected.size(); i++) {
        assertEquals(expected.get(i).score(), found.get(b).get(i).score(), tol.unitScale(), "score of entity " + i + " row " + b);
      }
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static void within(String what, JsonNode expected, float[] actual, double bound) {
    Budget.within(what, flatten(expected), actual, bound);
  }

  /**
   * Whether a model's outputs at padding positions can be held to the goldens' (BERT's): not for the RoBERTa family,
   * whose padding takes the padding row's position where BERT's takes the next one. Real tokens see the same numbers.
   */
  private static boolean paddingComparable(BertModel model) {
    return model.config().positionOffset() == 0;
  }

  /** {@link #within} over {@code perToken} values for each position of {@code mask}, padding positions included only when {@code padding}. */
  private static void withinTokens(String what, JsonNode expected, float[] actual, int[][] mask, int perToken, double bound, boolean padding) {
    int seq = mask[0].length;
    Budget.check(what, flatten(expected), actual, i -> padding || mask[i / (perToken * seq)][i / perToken % seq] == 1 ? bound : Double.POSITIVE_INFINITY);
  }

  private static float[] flat(float[][] rows) {
    int n = 0;
    for (float[] r : rows) {
      n += r.length;
    }
    float[] out = new float[n];
    int o = 0;
    for (float[] r : rows) {
      System.arraycopy(r, 0, out, o, r.length);
      o += r.length;
    }
    return out;
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

  private static int[][] ints(JsonNode n) {
    int[][] out = new int[n.size()][];
    for (int i = 0; i < n.size(); i++) {
      out[i] = new int[n.get(i).size()];
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] = n.get(i).get(j).asInt();
      }
    }
    return out;
  }

  private static String textOrNull(JsonNode n) {
    return n == null || n.isNull() ? null : n.asText();
  }

  @Override
  public void close() {
    for (BertModel m : models.values()) {
      m.close();
    }
    models.clear();
    for (Path copy : layoutCopies.values()) {
      try (var files = Files.walk(copy)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      } catch (IOException e) {
        // A temporary folder left behind is not a test failure.
      }
    }
    layoutCopies.clear();
  }
}
