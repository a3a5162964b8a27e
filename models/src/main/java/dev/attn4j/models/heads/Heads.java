package dev.attn4j.models.heads;

import dev.attn4j.api.layers.LayerNorm;
import dev.attn4j.api.layers.Linear;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.BertConfig;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.BertOutput;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Tanh;
import dev.attn4j.spi.Activation;
import dev.attn4j.spi.Backend;
import java.util.ArrayList;
import java.util.List;

/**
 * The task heads a checkpoint carries, loaded by name (Hugging Face parameter names): masked LM
 * ({@code cls.predictions.*}, RoBERTa's {@code lm_head.*} or DistilBERT's {@code vocab_transform} /
 * {@code vocab_layer_norm} / {@code vocab_projector}; decoder tied to the word embeddings unless stored),
 * next-sentence prediction ({@code cls.seq_relationship}), question answering ({@code qa_outputs}), sequence or
 * token classification ({@code classifier}, told apart by {@code architectures}; RoBERTa's sequence head
 * {@code classifier.dense} (tanh; GELU for ELECTRA) + {@code classifier.out_proj} and DistilBERT's
 * {@code pre_classifier} (ReLU) + {@code classifier} work on the first token's hidden state, not on the pooler). Asking for a head the checkpoint lacks is an {@link IllegalStateException} naming the missing tensors.
 *
 * <p>Immutable and thread-safe; outputs are allocated in the caller's scope.
 *
 * <p>Stability: stable since 0.1.
 */
public final class Heads {
  /** The activation after a sequence head's dense layer (tanh is not among the backends' activations). */
  private enum DenseActivation { TANH, RELU, GELU }

  private final Linear mlmTransform;
  private final LayerNorm mlmNorm;
  private final Activation mlmActivation;
  private final Tensor mlmDecoder;
  private final Tensor mlmBias;
  private final Linear nsp;
  private final Linear qa;
  private final Linear sequenceClassifier;
  private final Linear sequenceDense;
  /**
   * The activation after the sequence head's dense layer: tanh (RoBERTa's {@code classifier.dense}), ReLU (DistilBERT's
   * {@code pre_classifier}) or GELU (ELECTRA's {@code classifier.dense}); null without a dense layer.
   */
  private final DenseActivation sequenceDenseActivation;
  private final Linear tokenClassifier;
  private final List<String> labels;

  private Heads(Linear mlmTransform, LayerNorm mlmNorm, Activation mlmActivation, Tensor mlmDecoder, Tensor mlmBias, Linear nsp, Linear qa,
      Linear sequenceClassifier, Linear sequenceDense, DenseActivation sequenceDenseActivation, Linear tokenClassifier, List<String> labels) {
    this.mlmTransform = mlmTransform;
    this.mlmNorm = mlmNorm;
    this.mlmActivation = mlmActivation;
    this.mlmDecoder = mlmDecoder;
    this.mlmBias = mlmBias;
    this.nsp = nsp;
    this.qa = qa;
    this.sequenceClassifier = sequenceClassifier;
    this.sequenceDense = sequenceDense;
    this.sequenceDenseActivation = sequenceDenseActivation;
    this.tokenClassifier = tokenClassifier;
    this.labels = labels;
  }

  /** Loads whichever heads are present; for {@link BertModel}. */
  public static Heads load(BertModel.Params p, BertConfig config, Tensor wordEmbeddings) throws ModelFormatException {
    int h = config.hiddenSize();
    Linear transform = null;
    LayerNorm norm = null;
    Tensor decoder = null;
    Tensor bias = null;
    Activation mlmActivation = config.activation();
    if (p.has("cls.predictions.transform.dense.weight")) {
      transform = p.linear("cls.predictions.transform.dense", h, h);
      norm = p.layerNorm("cls.predictions.transform.LayerNorm");
      decoder = p.has("cls.predictions.decoder.weight") ? p.get("cls.predictions.decoder.weight", config.vocabSize(), h) : wordEmbeddings;
      bias = p.get("cls.predictions.bias", config.vocabSize());
    } else if (p.has("lm_head.dense.weight")) {
      // RobertaLMHead applies the erf GELU whatever hidden_act says.
      mlmActivation = Activation.GELU;
      transform = p.linear("lm_head.dense", h, h);
      norm = p.layerNorm("lm_head.layer_norm");
      decoder = p.has("lm_head.decoder.weight") ? p.get("lm_head.decoder.weight", config.vocabSize(), h) : wordEmbeddings;
      bias = p.get("lm_head.bias", config.vocabSize());
    } else if (p.has("vocab_transform.weight")) {
      // DistilBertForMaskedLM: the configured activation, then its LayerNorm, then the projector (tied unless stored).
      transform = p.linear("vocab_transform", h, h);
      norm = p.layerNorm("vocab_layer_norm");
      decoder = p.has("vocab_projector.weight") ? p.get("vocab_projector.weight", config.vocabSize(), h) : wordEmbeddings;
      bias = p.get("vocab_projector.bias", config.vocabSize());
    }
    Linear nsp = p.has("cls.seq_relationship.weight") ? p.linear("cls.seq_relationship", 2, h) : null;
    Linear qa = p.has("qa_outputs.weight") ? p.linear("qa_outputs", 2, h) : null;
    Linear seq = null;
    Linear seqDense = null;
    Linear tok = null;
    DenseActivation seqActivation = null;
    if (p.has("pre_classifier.weight")) {
      seqDense = p.linear("pre_classifier", h, h);
      seq = p.linear("classifier", config.labels().size(), h);
      seqActivation = DenseActivation.RELU;
    } else if (p.has("classifier.out_proj.weight")) {
      seqDense = p.linear("classifier.dense", h, h);
      seq = p.linear("classifier.out_proj", config.labels().size(), h);
      // ElectraClassificationHead applies GELU where RobertaClassificationHead applies tanh.
      seqActivation = config.modelType().equals("electra") ? DenseActivation.GELU : DenseActivation.TANH;
    } else if (p.has("classifier.weight")) {
      Linear c = p.linear("classifier", config.labels().size(), h);
      boolean token = config.architectures().stream().anyMatch(a -> a.endsWith("ForTokenClassification"));
      boolean sequence = config.architectures().stream().anyMatch(a -> a.endsWith("ForSequenceClassification"));
      if (token || !sequence) {
        tok = c;
      }
      if (sequence || !token) {
        seq = c;
      }
    }
    return new Heads(transform, norm, mlmActivation, decoder, bias, nsp, qa, seq, seqDense, seqActivation, tok, config.labels());
  }

  /** Class labels of the classification heads, by index. */
  public List<String> labels() {
    return labels;
  }

  /** Which heads are present, e.g. {@code [masked-lm, qa]}. */
  public List<String> available() {
    List<String> a = new ArrayList<>();
    if (mlmTransform != null) {
      a.add("masked-lm");
    }
    if (nsp != null) {
      a.add("next-sentence");
    }
    if (qa != null) {
      a.add("question-answering");
    }
    if (sequenceClassifier != null) {
      a.add("sequence-classification");
    }
    if (tokenClassifier != null) {
      a.add("token-classification");
    }
    return a;
  }

  /** Masked-LM logits {@code [batch, seq, vocab]}. */
  public Tensor maskedLm(Backend backend, TensorScope scope, BertOutput out) {
    require(mlmTransform, "masked LM",
        "cls.predictions.transform.dense.weight, cls.predictions.transform.LayerNorm.*, cls.predictions.bias, or lm_head.dense, lm_head.layer_norm, lm_head.bias,"
            + " or vocab_transform, vocab_layer_norm, vocab_projector.bias");
    Tensor t = mlmTransform.forward(backend, scope, out.lastHiddenState(), mlmActivation);
    backend.layerNorm(t, mlmNorm.gamma(), mlmNorm.beta(), mlmNorm.eps());
    return new Linear(mlmDecoder, mlmBias).forward(backend, scope, t, Activation.IDENTITY);
  }

  /** Next-sentence logits {@code [batch, 2]} (0 = is next, 1 = not next); needs the pooler. */
  public Tensor nextSentence(Backend backend, TensorScope scope, BertOutput out) {
    require(nsp, "next-sentence prediction", "cls.seq_relationship.weight/bias");
    return nsp.forward(backend, scope, pooled(out), Activation.IDENTITY);
  }

  /** Question-answering logits {@code [batch, seq, 2]}: start in column 0, end in column 1. */
  public Tensor questionAnswering(Backend backend, TensorScope scope, BertOutput out) {
    require(qa, "question answering", "qa_outputs.weight/bias");
    return qa.forward(backend, scope, out.lastHiddenState(), Activation.IDENTITY);
  }

  /**
   * Sequence-classification logits {@code [batch, labels]}: BERT's head needs the pooler, RoBERTa's runs its own
   * {@code tanh(dense(h[:, 0]))}.
   */
  public Tensor sequenceClassification(Backend backend, TensorScope scope, BertOutput out) {
    require(sequenceClassifier, "sequence classification",
        "classifier.weight/bias with architectures *ForSequenceClassification, or classifier.dense and classifier.out_proj, or pre_classifier and classifier");
    Tensor first = out.lastHiddenState().select(1, 0);
    Tensor features = sequenceDense == null ? pooled(out)
        : switch (sequenceDenseActivation) {
          case TANH -> Tanh.inPlace(sequenceDense.forward(backend, scope, first, Activation.IDENTITY));
          case RELU -> sequenceDense.forward(backend, scope, first, Activation.RELU);
          case GELU -> sequenceDense.forward(backend, scope, first, Activation.GELU);
        };
    return sequenceClassifier.forward(backend, scope, features, Activation.IDENTITY);
  }

  /** Token-classification logits {@code [batch, seq, labels]}. */
  public Tensor tokenClassification(Backend backend, TensorScope scope, BertOutput out) {
    require(tokenClassifier, "token classification", "classifier.weight/bias with architectures *ForTokenClassification");
    return tokenClassifier.forward(backend, scope, out.lastHiddenState(), Activation.IDENTITY);
  }

  private static Tensor pooled(BertOutput out) {
    if (out.pooled() == null) {
      throw new IllegalStateException("this head needs the pooler, but the checkpoint has no pooler.dense weights");
    }
    return out.pooled();
  }

  private static void require(Object head, String what, String tensors) {
    if (head == null) {
      throw new IllegalStateException("the checkpoint has no " + what + " head (needs " + tensors + ")");
    }
  }
}
