package com.example.embed;

import dev.attn4j.api.Backends;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.SentenceEncoder;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * An application using attn4j: embeds sentences with a model folder and prints how alike each pair is (cosine
 * similarity of L2-normalized embeddings). Run it with the JVM flags the pom's {@code attn4j.jvm.flags} names:
 * {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp ... com.example.embed.SimilarityApp
 * MODEL_DIR "first sentence" "second sentence" ...}. {@code -Dattn4j.backend=NAME} picks a backend; by default the
 * best available one runs. Stateless: its methods are safe from any thread.
 */
public final class SimilarityApp {
  private SimilarityApp() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 3) {
      System.err.println("usage: SimilarityApp MODEL_DIR TEXT TEXT [TEXT ...]");
      System.exit(2);
    }
    List<String> texts = List.of(args).subList(1, args.length);
    try (Backend backend = Backends.openDefault(BackendOptions.defaults()); BertModel model = BertModel.load(Path.of(args[0]))) {
      float[][] vectors = embed(model, backend, texts);
      System.out.println("backend: " + backend.description());
      for (int i = 0; i < texts.size(); i++) {
        for (int j = i + 1; j < texts.size(); j++) {
          System.out.printf(Locale.ROOT, "%.4f  %s | %s%n", dot(vectors[i], vectors[j]), texts.get(i), texts.get(j));
        }
      }
    }
  }

  /** L2-normalized sentence embeddings of {@code texts}, pooled as the model folder says (mean when it says nothing). */
  public static float[][] embed(BertModel model, Backend backend, List<String> texts) throws IOException {
    return SentenceEncoder.of(model, backend).withNormalize(true).embed(texts);
  }

  /** The dot product: the cosine similarity of two unit vectors. */
  public static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }
}
