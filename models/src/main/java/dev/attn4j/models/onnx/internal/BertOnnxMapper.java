package dev.attn4j.models.onnx.internal;

import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Weight;
import dev.attn4j.models.onnx.internal.OnnxGraph.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps a standard BERT encoder export (optimum / transformers.js style, opsets 11-20) to Hugging Face BERT weights and
 * configuration. Initializers that carry Hugging Face names are taken by name (a {@code bert.} prefix is dropped); the
 * anonymous matrix-multiply weights are placed by the bias {@code Add} their {@code MatMul} feeds (or the bias input
 * of a {@code Gemm}) and transposed from {@code [in, out]} to {@code [out, in]}. Configuration values come from tensor
 * shapes and from the graph: heads from the reshape after the first query projection, eps from the first layer
 * norm, the activation from the feed-forward block's ops. Whatever cannot be placed with certainty is an error
 * naming the node or tensor. Stateless.
 */
public final class BertOnnxMapper {
  private static final Pattern LAYER = Pattern.compile("encoder\\.layer\\.(\\d+)\\.(.+)");
  /** Per-layer parameters a BERT layer must have, relative to {@code encoder.layer.N.}. */
  private static final List<String> LAYER_PARAMS = List.of("attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight",
      "attention.self.key.bias", "attention.self.value.weight", "attention.self.value.bias", "attention.output.dense.weight",
      "attention.output.dense.bias", "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias", "intermediate.dense.weight",
      "intermediate.dense.bias", "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias");
  private static final List<String> EMBEDDINGS = List.of("embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
      "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias");

  private BertOnnxMapper() {}

  /** The result: weights by Hugging Face name, and the configuration derived from the graph. */
  public record Mapped(Map<String, Weight> weights, Map<String, Object> config) {}

  public static Mapped map(OnnxGraph g) throws ModelFormatException {
    String src = g.file().toString();
    Map<String, OnnxTensor> inits = g.initializers();
    Map<String, Node> producer = new HashMap<>();
    Map<String, List<Node>> consumers = new HashMap<>();
    Map<String, OnnxTensor> constants = new HashMap<>(inits);
    for (Node n : g.nodes()) {
      for (String o : n.outputs()) {
        producer.put(o, n);
      }
      for (String i : n.inputs()) {
        consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
      }
      if (n.opType().equals("Constant") && n.attributes().containsKey("value") && n.attributes().get("value").t() != null && n.outputs().size() == 1) {
        constants.put(n.outputs().getFirst(), n.attributes().get("value").t());
      }
    }
    if (!inits.containsKey("embeddings.word_embeddings.weight") && !inits.containsKey("bert.embeddings.word_embeddings.weight")) {
      throw new ModelFormatException(src + ": not a BERT encoder export: no initializer named embeddings.word_embeddings.weight (found "
          + inits.keySet().stream().limit(8).toList() + (inits.size() > 8 ? ", ..." : "") + ")");
    }
    Map<String, Weight> weights = new LinkedHashMap<>();
    // 1. Named parameters.
    for (OnnxTensor t : inits.values()) {
      String name = hfName(t.name());
      if (name == null || t.dataType() != OnnxTensor.FLOAT) {
        continue;
      }
      weights.put(name, new Weight(t.dims(), t.data(), false));
    }
    // 2. Anonymous matrix-multiply weights, placed by the named bias they are added to.
    for (Node n : g.nodes()) {
      boolean gemm = n.opType().equals("Gemm");
      if (!n.opType().equals("MatMul") && !gemm) {
        continue;
      }
      OnnxTensor w = n.inputs().size() > 1 ? inits.get(n.inputs().get(1)) : null;
      if (w == null) {
        continue; // activation x activation (attention scores and context)
      }
      if (w.dims().length != 2 || w.dataType() != OnnxTensor.FLOAT) {
        throw new ModelFormatException(src + ": " + n.describe() + " multiplies by '" + w.name() + "' of dims " + java.util.Arrays.toString(w.dims())
            + "; only float32 matrices can be placed");
      }
      if (hfName(w.name()) != null) {
        continue; // already named (e.g. a tied decoder)
      }
      boolean transB = gemm && n.attributes().containsKey("transB") && n.attributes().get("transB").i() == 1;
      long out = transB ? w.dims()[0] : w.dims()[1];
      String bias = gemm ? biasName(n.inputs().size() > 2 ? n.inputs().get(2) : null, inits, out) : addedBias(n, consumers, inits, out);
      if (bias == null) {
        throw new ModelFormatException(src + ": cannot place the weight '" + w.name() + "' of " + n.describe()
            + ": its output feeds no Add with a named bias of length " + out);
      }
      String name = bias.substring(0, bias.length() - ".bias".length()) + ".weight";
      if (weights.containsKey(name)) {
        throw new ModelFormatException(src + ": two weights map to '" + name + "' (second from " + n.describe() + ")");
      }
      long[] shape = transB ? w.dims() : new long[] {w.dims()[1], w.dims()[0]};
      weights.put(name, new Weight(shape, w.data(), !transB));
    }
    int layers = checkComplete(src, weights);
    Map<String, Object> config = config(src, g, weights, layers, constants, producer, consumers);
    return new Mapped(weights, config);
  }

  /** The Hugging Face name of an initializer, or null if it is not a BERT parameter. */
  private static String hfName(String name) {
    String n = name.startsWith("bert.") ? name.substring(5) : name;
    if (n.equals("embeddings.position_ids")) {
      return null;
    }
    return n.startsWith("embeddings.") || n.startsWith("encoder.layer.") || n.startsWith("pooler.") ? n : null;
  }

  private static String biasName(String input, Map<String, OnnxTensor> inits, long out) {
    OnnxTensor b = input == null ? null : inits.get(input);
    if (b == null || hfName(b.name()) == null || !hfName(b.name()).endsWith(".bias") || b.elements() != out) {
      return null;
    }
    return hfName(b.name());
  }

  private static String addedBias(Node matmul, Map<String, List<Node>> consumers, Map<String, OnnxTensor> inits, long out) {
    List<Node> users = consumers.getOrDefault(matmul.outputs().getFirst(), List.of());
    String found = null;
    for (Node u : users) {
      if (!u.opType().equals("Add") || u.inputs().size() != 2) {
        continue;
      }
      String other = u.inputs().get(0).equals(matmul.outputs().getFirst()) ? u.inputs().get(1) : u.inputs().get(0);
      String b = biasName(other, inits, out);
      if (b != null) {
        if (found != null && !found.equals(b)) {
          return null; // ambiguous: never guess
        }
        found = b;
      }
    }
    return found;
  }

  private static int checkComplete(String src, Map<String, Weight> weights) throws ModelFormatException {
    TreeSet<Integer> layerIds = new TreeSet<>();
    for (String n : weights.keySet()) {
      Matcher m = LAYER.matcher(n);
      if (m.matches()) {
        layerIds.add(Integer.parseInt(m.group(1)));
      }
    }
    if (layerIds.isEmpty()) {
      throw new ModelFormatException(src + ": no encoder.layer.N parameters: not a BERT encoder");
    }
    int layers = layerIds.last() + 1;
    List<String> missing = new ArrayList<>();
    for (String e : EMBEDDINGS) {
      if (!weights.containsKey(e)) {
        missing.add(e);
      }
    }
    for (int l = 0; l < layers; l++) {
      for (String p : LAYER_PARAMS) {
        if (!weights.containsKey("encoder.layer." + l + "." + p)) {
          missing.add("encoder.layer." + l + "." + p);
        }
      }
    }
    if (!missing.isEmpty()) {
      throw new ModelFormatException(src + ": not a complete BERT encoder; missing " + missing.size() + " parameter(s): "
          + missing.stream().limit(6).toList() + (missing.size() > 6 ? ", ..." : ""));
    }
    return layers;
  }

  private static Map<String, Object> config(String src, OnnxGraph g, Map<String, Weight> w, int layers, Map<String, OnnxTensor> constants,
      Map<String, Node> producer, Map<String, List<Node>> consumers) throws ModelFormatException {
    long[] word = w.get("embeddings.word_embeddings.weight").shape();
    long hidden = word[1];
    long ffn = w.get("encoder.layer.0.intermediate.dense.bias").shape()[0];
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("model_type", "bert");
    c.put("architectures", List.of("BertModel"));
    c.put("vocab_size", word[0]);
    c.put("hidden_size", hidden);
    c.put("num_hidden_layers", layers);
    c.put("num_attention_heads", heads(src, g, hidden, constants, producer, consumers));
    c.put("intermediate_size", ffn);
    c.put("hidden_act", activation(src, g));
    c.put("max_position_embeddings", w.get("embeddings.position_embeddings.weight").shape()[0]);
    c.put("type_vocab_size", w.get("embeddings.token_type_embeddings.weight").shape()[0]);
    c.put("layer_norm_eps", eps(src, g, constants, producer));
    c.put("converted_from", "onnx (opset " + g.opset() + ") by attn4j");
    return c;
  }

  /** Heads from the Reshape applied to layer 0's query projection: its target shape ends in [heads, head_size]. */
  private static long heads(String src, OnnxGraph g, long hidden, Map<String, OnnxTensor> constants, Map<String, Node> producer,
      Map<String, List<Node>> consumers) throws ModelFormatException {
    Node add = null;
    for (Node n : g.nodes()) {
      if (n.opType().equals("Add") && n.inputs().stream().anyMatch(i -> i.endsWith("encoder.layer.0.attention.self.query.bias"))) {
        add = n;
      }
      if (n.opType().equals("Gemm") && n.inputs().size() > 2 && n.inputs().get(2).endsWith("encoder.layer.0.attention.self.query.bias")) {
        add = n;
      }
    }
    if (add == null) {
      throw new ModelFormatException(src + ": cannot find layer 0's query projection (no node adds encoder.layer.0.attention.self.query.bias)");
    }
    for (Node r : consumers.getOrDefault(add.outputs().getFirst(), List.of())) {
      if (!r.opType().equals("Reshape") || r.inputs().size() < 2) {
        continue;
      }
      List<Long> shape = shapeValues(r.inputs().get(1), constants, producer);
      if (shape.size() >= 2) {
        Long heads = shape.get(shape.size() - 2);
        Long size = shape.get(shape.size() - 1);
        if (heads != null && size != null && heads > 0 && heads * size == hidden) {
          return heads;
        }
      }
      throw new ModelFormatException(src + ": " + r.describe() + " reshapes the query to " + shape + ", which does not end in [heads, head_size] with "
          + "heads x head_size = " + hidden + "; give a config.json");
    }
    throw new ModelFormatException(src + ": layer 0's query projection is not reshaped into heads; cannot tell the number of heads (give a config.json)");
  }

  /** The values of a shape tensor: a constant, or a Concat of constants and computed parts (null where unknown). */
  private static List<Long> shapeValues(String name, Map<String, OnnxTensor> constants, Map<String, Node> producer) throws ModelFormatException {
    OnnxTensor t = constants.get(name);
    List<Long> out = new ArrayList<>();
    if (t != null) {
      for (long v : t.longs()) {
        out.add(v);
      }
      return out;
    }
    Node p = producer.get(name);
    if (p != null && p.opType().equals("Concat")) {
      for (String in : p.inputs()) {
        OnnxTensor c = constants.get(in);
        if (c != null && (c.dataType() == OnnxTensor.INT64 || c.dataType() == OnnxTensor.INT32)) {
          for (long v : c.longs()) {
            out.add(v);
          }
        } else {
          out.add(null);
        }
      }
    }
    return out;
  }

  /** GELU with erf when the graph has Erf (or a Gelu op); the tanh form when it has Tanh with x^3; else unknown. */
  private static String activation(String src, OnnxGraph g) throws ModelFormatException {
    boolean erf = false;
    boolean tanh = false;
    for (Node n : g.nodes()) {
      switch (n.opType()) {
        case "Erf" -> erf = true;
        case "Gelu" -> {
          var a = n.attributes().get("approximate");
          if (a != null && "tanh".equals(a.s())) {
            tanh = true;
          } else {
            erf = true;
          }
        }
        case "Tanh", "FastGelu" -> tanh = true;
        default -> {}
      }
    }
    if (erf && !tanh) {
      return "gelu";
    }
    if (tanh && !erf) {
      return "gelu_new";
    }
    throw new ModelFormatException(src + ": cannot tell the feed-forward activation (" + (erf ? "both Erf and Tanh" : "neither Erf nor Tanh")
        + " in the graph); give a config.json");
  }

  /** Epsilon of the embeddings' layer norm: a LayerNormalization attribute, or the constant added to the variance. */
  private static double eps(String src, OnnxGraph g, Map<String, OnnxTensor> constants, Map<String, Node> producer) throws ModelFormatException {
    for (Node n : g.nodes()) {
      if (n.inputs().stream().noneMatch(i -> i.endsWith("embeddings.LayerNorm.weight"))) {
        continue;
      }
      if (n.opType().equals("LayerNormalization")) {
        var a = n.attributes().get("epsilon");
        return a == null ? 1e-5 : a.f();
      }
      // Decomposed: Mul(Div(Sub, Sqrt(Add(ReduceMean(Pow), eps))), weight)
      Node div = n.opType().equals("Mul") ? other(n, "embeddings.LayerNorm.weight", producer) : null;
      Node sqrt = div != null && div.opType().equals("Div") && div.inputs().size() == 2 ? producer.get(div.inputs().get(1)) : null;
      Node add = sqrt != null && sqrt.opType().equals("Sqrt") ? producer.get(sqrt.inputs().getFirst()) : null;
      if (add != null && add.opType().equals("Add")) {
        for (String in : add.inputs()) {
          OnnxTensor c = constants.get(in);
          if (c != null && c.elements() == 1) {
            return c.scalar();
          }
        }
      }
      throw new ModelFormatException(src + ": cannot read the layer-norm epsilon at " + n.describe() + " (not Mul(Div(x, Sqrt(Add(var, eps))), gamma)); "
          + "give a config.json");
    }
    throw new ModelFormatException(src + ": no node uses embeddings.LayerNorm.weight");
  }

  private static Node other(Node n, String suffix, Map<String, Node> producer) {
    Optional<String> o = n.inputs().stream().filter(i -> !i.endsWith(suffix)).findFirst();
    return o.map(producer::get).orElse(null);
  }
}
