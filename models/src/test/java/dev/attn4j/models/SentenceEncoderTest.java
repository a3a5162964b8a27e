package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.models.heads.Pooling;
import dev.attn4j.spi.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SentenceEncoder}'s settings and argument checks, before any kernel runs. Its embeddings are checked against
 * the goldens on every backend by the conformance suite's model cases.
 */
class SentenceEncoderTest {
  @TempDir Path dir;

  @Test
  void defaultsComeFromTheModelFolderOrAreMeanUnnormalized() throws IOException {
    Backend none = new NoComputeBackend();
    try (BertModel tiny = BertModel.load(Refs.model("synthetic-bert-tiny"))) {
      SentenceEncoder e = SentenceEncoder.of(tiny, none);
      assertEquals(Pooling.MEAN, e.pooling());
      assertFalse(e.normalize());
      assertEquals(SentenceEncoder.DEFAULT_BATCH_SIZE, e.batchSize());
      assertEquals(tiny.config().maxPositions(), e.maxLength());
      assertEquals(tiny.config().hiddenSize(), e.dimension());
      SentenceEncoder changed = e.withPooling(Pooling.CLS).withNormalize(true).withBatchSize(3).withMaxLength(16);
      assertEquals(List.of(Pooling.CLS, true, 3, 16), List.of(changed.pooling(), changed.normalize(), changed.batchSize(), changed.maxLength()));
      assertEquals(Pooling.MEAN, e.pooling(), "with methods return a new encoder");
    }
    // A sentence-transformers folder: CLS pooling followed by Normalize.
    Refs.copy("synthetic-bert-tiny", dir, "config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors");
    Files.writeString(dir.resolve("modules.json"), """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
         {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]""");
    Files.createDirectories(dir.resolve("1_Pooling"));
    Files.writeString(dir.resolve("1_Pooling/config.json"), """
        {"word_embedding_dimension": 96, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""");
    try (BertModel st = BertModel.load(dir)) {
      SentenceEncoder e = SentenceEncoder.of(st, none);
      assertEquals(Pooling.CLS, e.pooling());
      assertTrue(e.normalize());
      assertEquals(Pooling.MAX, SentenceEncoder.of(st, none, Pooling.MAX, false).pooling(), "given settings win");
    }
  }

  @Test
  void badArgumentsAreRejectedBeforeAnyWork() throws IOException {
    try (BertModel tiny = BertModel.load(Refs.model("synthetic-bert-tiny"))) {
      SentenceEncoder e = SentenceEncoder.of(tiny, new NoComputeBackend(), Pooling.MEAN, true);
      assertThrows(IllegalArgumentException.class, () -> e.withBatchSize(0));
      assertTrue(assertThrows(IllegalArgumentException.class, () -> e.withMaxLength(129)).getMessage().contains("128"));
      assertThrows(IllegalArgumentException.class, () -> e.withMaxLength(1));
      assertEquals("texts[1] is null", assertThrows(NullPointerException.class, () -> e.embed(Arrays.asList("a", null))).getMessage());
      assertThrows(NullPointerException.class, () -> e.embed((String) null));
      assertThrows(NullPointerException.class, () -> SentenceEncoder.of(tiny, null));
      assertEquals(0, e.embed(List.of()).length, "no texts, no forward pass (NoComputeBackend would fail one)");
    }
  }

  /** The classifiers share the encoder's checks, and need their head. */
  @Test
  void classifiersNeedTheirHeadAndCheckTheirArguments() throws IOException {
    Backend none = new NoComputeBackend();
    try (BertModel tiny = BertModel.load(Refs.model("synthetic-bert-tiny"));
        BertModel seq = BertModel.load(Refs.model("synthetic-bert-heads/seqcls"));
        BertModel tok = BertModel.load(Refs.model("synthetic-bert-heads/tokcls"))) {
      var e = assertThrows(IllegalStateException.class, () -> TextClassifier.of(tiny, none));
      assertTrue(e.getMessage().contains("no sequence-classification head"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> TokenClassifier.of(seq, none));
      TextClassifier c = TextClassifier.of(seq, none);
      assertEquals(List.of("negative", "neutral", "positive"), c.labels());
      assertThrows(IllegalArgumentException.class, () -> c.withBatchSize(0));
      assertThrows(IllegalArgumentException.class, () -> c.withMaxLength(129));
      assertThrows(IllegalArgumentException.class, () -> c.classify(List.of("a", "b"), List.of("c")));
      assertEquals("pairs[0] is null", assertThrows(NullPointerException.class, () -> c.classify(List.of("a"), Arrays.asList((String) null))).getMessage());
      assertEquals(List.of(), c.classify(List.of()), "no texts, no forward pass");
      TokenClassifier t = TokenClassifier.of(tok, none);
      assertEquals("texts[1] is null", assertThrows(NullPointerException.class, () -> t.entities(Arrays.asList("a", null))).getMessage());
      assertThrows(IllegalArgumentException.class, () -> t.withMaxLength(1));
      assertEquals(List.of(), t.entities(List.of()));
    }
  }
}
