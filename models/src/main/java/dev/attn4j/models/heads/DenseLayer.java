package dev.attn4j.models.heads;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Json;
import dev.attn4j.models.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A sentence-transformers {@code Dense} module: {@code y = f(W x + b)} applied to a pooled sentence embedding, as
 * LaBSE (tanh) and the sentence-T5/GTR family (identity) end. Read from the module's folder: {@code config.json}
 * ({@code in_features}, {@code out_features}, {@code bias}, {@code activation_function}) and {@code model.safetensors}
 * ({@code linear.weight [out, in]}, {@code linear.bias [out]}). Computed in double on the heap: one small product per
 * sentence, far from the encoder's cost.
 *
 * <p>Immutable and thread-safe.
 *
 * <p>Stability: experimental since 0.2.
 */
public final class DenseLayer {
  /** The activations sentence-transformers writes as {@code activation_function}, by its class name. */
  private enum Function {
    IDENTITY("torch.nn.modules.linear.Identity"),
    TANH("torch.nn.modules.activation.Tanh"),
    RELU("torch.nn.modules.activation.ReLU"),
    SIGMOID("torch.nn.modules.activation.Sigmoid");

    final String torchName;

    Function(String torchName) {
      this.torchName = torchName;
    }

    double apply(double x) {
      return switch (this) {
        case IDENTITY -> x;
        case TANH -> Math.tanh(x);
        case RELU -> Math.max(0, x);
        case SIGMOID -> 1 / (1 + Math.exp(-x));
      };
    }
  }

  private final int in;
  private final int out;
  private final float[] weight;
  private final float[] bias;
  private final Function function;

  private DenseLayer(int in, int out, float[] weight, float[] bias, Function function) {
    this.in = in;
    this.out = out;
    this.weight = weight;
    this.bias = bias;
    this.function = function;
  }

  /**
   * Reads the Dense module in {@code folder}.
   *
   * @throws ModelFormatException naming the file when the configuration or the weights are missing, malformed, of
   *     another shape than the configuration says, or use an activation attn4j does not compute
   */
  public static DenseLayer read(Path folder) throws IOException {
    Path configFile = folder.resolve("config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new ModelFormatException(configFile + ": missing (modules.json names a Dense module there)");
    }
    JsonNode c = Json.readObject(configFile);
    int in = Json.positiveInt(c, "in_features", configFile);
    int out = Json.positiveInt(c, "out_features", configFile);
    boolean hasBias = Json.bool(c, "bias", true, configFile);
    String name = c.path("activation_function").asText(Function.TANH.torchName);
    Function function = Arrays.stream(Function.values()).filter(f -> f.torchName.equals(name)).findFirst()
        .orElseThrow(() -> new ModelFormatException(configFile + ": activation_function '" + name + "' is not supported (Identity, Tanh, ReLU, Sigmoid)"));
    Path weights = folder.resolve("model.safetensors");
    if (!Files.isRegularFile(weights)) {
      throw new ModelFormatException(folder + ": the Dense module's model.safetensors is missing"
          + (Files.isRegularFile(folder.resolve("pytorch_model.bin")) ? " (pytorch_model.bin is not read: save the module with safetensors)" : ""));
    }
    try (SafeTensors file = SafeTensors.open(weights); TensorScope scope = TensorScope.open()) {
      float[] w = read(file, scope, "linear.weight", out, in);
      float[] b = hasBias ? read(file, scope, "linear.bias", out) : null;
      return new DenseLayer(in, out, w, b, function);
    }
  }

  private static float[] read(SafeTensors file, TensorScope scope, String name, int... dims) throws ModelFormatException {
    if (!file.names().contains(name)) {
      throw new ModelFormatException(file.file() + ": tensor '" + name + "' is missing");
    }
    var t = file.tensor(name, scope);
    if (!Arrays.equals(t.shape().toArray(), dims)) {
      throw new ModelFormatException(file.file() + ": tensor '" + name + "' has shape " + t.shape() + ", config.json implies " + Arrays.toString(dims));
    }
    return t.toArray();
  }

  /** Length of the embedding it takes. */
  public int inFeatures() {
    return in;
  }

  /** Length of the embedding it gives. */
  public int outFeatures() {
    return out;
  }

  /**
   * {@code f(W x + b)}.
   *
   * @throws IllegalArgumentException if {@code x} is not {@link #inFeatures()} long
   */
  public float[] apply(float[] x) {
    if (x.length != in) {
      throw new IllegalArgumentException("Dense module takes " + in + " features, got " + x.length);
    }
    float[] y = new float[out];
    for (int o = 0; o < out; o++) {
      double acc = bias == null ? 0 : bias[o];
      int row = o * in;
      for (int i = 0; i < in; i++) {
        acc += (double) weight[row + i] * x[i];
      }
      y[o] = (float) function.apply(acc);
    }
    return y;
  }

  @Override
  public String toString() {
    return "Dense[" + in + " -> " + out + ", " + function.name().toLowerCase(java.util.Locale.ROOT) + (bias == null ? ", no bias" : "") + "]";
  }
}
