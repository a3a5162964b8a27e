package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.attn4j.api.encoder.SeededEncoder;
import dev.attn4j.spi.Activation;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a BERT model of a preset's shape with seeded random weights as an ONNX file, plus a WordPiece {@code
 * tokenizer.json}, so that {@code bench --preset NAME --vs onnxruntime} runs ONNX Runtime and attn4j on the same
 * weights at shapes (BERT-base, BERT-large) for which no export is at hand.
 *
 * <p>By default ({@link Form#TORCH_OPSET_11}) the graph has the form PyTorch's exporter gives a Hugging Face {@code
 * BertModel} at opset 11, node for node as in the bge-small-en-v1.5 export: layer norms decomposed into {@code
 * ReduceMean}/{@code Pow}/{@code Sqrt}, GELU as {@code Erf}, projections as {@code MatMul} by an {@code [in, out]} weight
 * then {@code Add} of a named bias, scores divided by {@code sqrt(head size)}, the padding mask as {@code (1 - mask) *
 * -FLT_MAX}. ONNX Runtime so applies the same graph rewrites it applies to a real export, and attn4j's importer reads it
 * like one. The other forms hold the same weights and compute the same function with the ops later exporters use, so
 * that the importer's paths for them are tested against ONNX Runtime too. Stateless.
 */
final class PresetOnnx {
  /** BERT's vocabulary size. */
  static final int VOCAB = 30522;
  /** BERT's positions and token types. */
  private static final int MAX_POSITIONS = 512;
  private static final int TYPES = 2;

  /** ONNX {@code TensorProto.DataType} values. */
  private static final int FLOAT = 1;
  private static final int INT64 = 7;
  /** ONNX {@code AttributeProto.AttributeType} values. */
  private static final int ATTR_FLOAT = 1;
  private static final int ATTR_INT = 2;
  private static final int ATTR_STRING = 3;
  private static final int ATTR_INTS = 7;
  private static final float EPS = 1e-12f;
  private static final String OUTPUT = "last_hidden_state";

  private PresetOnnx() {}

  /** The ops the graph is written with; every form computes the same function of the same weights. */
  enum Form {
    /** PyTorch's export at opset 11 (the bge-small-en-v1.5 export's form): decomposed layer norms, Erf GELU, MatMul + Add. */
    TORCH_OPSET_11(11, 7),
    /** PyTorch's export at opset 17: {@code LayerNormalization} nodes, {@code Unsqueeze} axes as an input. */
    TORCH_OPSET_17(17, 8),
    /**
     * Opset 20 with the tokens flattened to rows, as converters from other frameworks write it: projections as {@code
     * Gemm} with {@code transB} by an {@code [out, in]} weight and the bias as its third input, {@code LayerNormalization},
     * GELU as the {@code Gelu} op, heads split by a {@code Reshape} to a shape computed with {@code Concat}.
     */
    GEMM_OPSET_20(20, 9);

    final int opset;
    final int irVersion;

    Form(int opset, int irVersion) {
      this.opset = opset;
      this.irVersion = irVersion;
    }

    /** Whether the encoder runs on {@code [batch * seq, hidden]} rows with Gemm projections. */
    boolean rows() {
      return this == GEMM_OPSET_20;
    }
  }

  /**
   * Writes {@code model.onnx} and {@code tokenizer.json} for {@code p} into the folder {@code dir} and returns the ONNX
   * file. The same arguments always give the same file.
   */
  static Path write(SeededEncoder.Preset p, int vocab, long seed, Path dir) throws IOException {
    return write(p, vocab, seed, dir, Form.TORCH_OPSET_11, Activation.GELU);
  }

  /**
   * As {@link #write(SeededEncoder.Preset, int, long, Path)}, in the given form, with the feed-forward activation
   * {@link Activation#GELU} (erf) or {@link Activation#GELU_TANH}: the {@code Gelu} op with {@code approximate="tanh"}
   * in the rows form, else PyTorch's decomposition {@code 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))}.
   */
  static Path write(SeededEncoder.Preset p, int vocab, long seed, Path dir, Form form, Activation activation) throws IOException {
    if (activation != Activation.GELU && activation != Activation.GELU_TANH) {
      throw new IllegalArgumentException("a BERT export's activation is GELU or GELU_TANH, not " + activation);
    }
    boolean tanh = activation == Activation.GELU_TANH;
    if (p.hidden() % p.heads() != 0) {
      throw new IllegalArgumentException("hidden " + p.hidden() + " is not a multiple of heads " + p.heads());
    }
    Graph g = new Graph(seed, form);
    boolean rows = form.rows();
    int h = p.hidden();
    // Padding mask: [batch, 1, 1, keys], 0 where attended and -FLT_MAX where padded.
    String m = g.unsqueeze("", "attention_mask", 1);
    m = g.unsqueeze("", m, 2);
    m = g.node("Cast", "", List.of(m), Attr.i("to", FLOAT));
    m = g.node("Sub", "", List.of(g.scalar(1f), m));
    String mask = g.node("Mul", "", List.of(m, g.scalar(-Float.MAX_VALUE)));
    // Embeddings: word + token type + position (positions 0..seq-1 sliced from a constant range), then a layer norm.
    String seqLen = g.node("Gather", "embeddings", List.of(g.node("Shape", "embeddings", List.of("input_ids")), g.longs(new long[0], 1)),
        Attr.i("axis", 0));
    long[] range = new long[MAX_POSITIONS];
    for (int i = 0; i < range.length; i++) {
      range[i] = i;
    }
    String positions = g.node("Slice", "embeddings", List.of(g.longs(new long[] {1, MAX_POSITIONS}, range), g.longs(new long[] {1}, 0),
        g.unsqueeze("embeddings", seqLen, 0), g.longs(new long[] {1}, 1), g.longs(new long[] {1}, 1)));
    String x = g.node("Add", "embeddings", List.of(
        g.node("Gather", "embeddings", List.of(g.weight("embeddings.word_embeddings.weight", 1f, 0f, vocab, h), "input_ids")),
        g.node("Gather", "embeddings", List.of(g.weight("embeddings.token_type_embeddings.weight", 1f, 0f, TYPES, h), "token_type_ids"))));
    x = g.node("Add", "embeddings", List.of(x,
        g.node("Gather", "embeddings", List.of(g.weight("embeddings.position_embeddings.weight", 1f, 0f, MAX_POSITIONS, h), positions))));
    x = layerNorm(g, "embeddings.LayerNorm", x, h, null);
    int d = h / p.heads();
    // Rows form: the encoder runs on [batch * seq, hidden]; [batch, seq, ...] shapes are rebuilt from the batch size.
    String batch = rows ? g.unsqueeze("embeddings", g.node("Gather", "embeddings", List.of(g.node("Shape", "embeddings", List.of("input_ids")),
        g.longs(new long[0], 0)), Attr.i("axis", 0)), 0) : null;
    if (rows) {
      x = g.node("Reshape", "embeddings", List.of(x, g.longs(new long[] {2}, -1, h)));
    }
    for (int l = 0; l < p.layers(); l++) {
      String pre = "encoder.layer." + l + ".";
      String q = linear(g, pre + "attention.self.query", x, h, h);
      String k = linear(g, pre + "attention.self.key", x, h, h);
      String v = linear(g, pre + "attention.self.value", x, h, h);
      String heads = rows ? g.node("Concat", pre, List.of(batch, g.longs(new long[] {3}, -1, p.heads(), d)), Attr.i("axis", 0))
          : g.longs(new long[] {4}, 0, 0, p.heads(), d);
      String kt = g.node("Transpose", pre, List.of(g.node("Reshape", pre, List.of(k, heads))), Attr.ints("perm", 0, 2, 3, 1));
      String vt = g.node("Transpose", pre, List.of(g.node("Reshape", pre, List.of(v, heads))), Attr.ints("perm", 0, 2, 1, 3));
      String qt = g.node("Transpose", pre, List.of(g.node("Reshape", pre, List.of(q, heads))), Attr.ints("perm", 0, 2, 1, 3));
      String scores = g.node("Div", pre, List.of(g.node("MatMul", pre, List.of(qt, kt)), g.scalar((float) Math.sqrt(d))));
      String probs = g.node("Softmax", pre, List.of(g.node("Add", pre, List.of(scores, mask))), Attr.i("axis", 3));
      String ctx = g.node("Transpose", pre, List.of(g.node("MatMul", pre, List.of(probs, vt))), Attr.ints("perm", 0, 2, 1, 3));
      ctx = g.node("Reshape", pre, List.of(ctx, rows ? g.longs(new long[] {2}, -1, h) : g.longs(new long[] {3}, 0, 0, h)));
      String attn = g.node("Add", pre, List.of(linear(g, pre + "attention.output.dense", ctx, h, h), x));
      attn = layerNorm(g, pre + "attention.output.LayerNorm", attn, h, null);
      String up = linear(g, pre + "intermediate.dense", attn, h, p.ffn());
      String gelu;
      if (rows) {
        gelu = tanh ? g.node("Gelu", pre, List.of(up), Attr.s("approximate", "tanh")) : g.node("Gelu", pre, List.of(up));
      } else if (tanh) {
        String cube = g.node("Mul", pre, List.of(g.node("Pow", pre, List.of(up, g.scalar(3f))), g.scalar(0.044715f)));
        String inner = g.node("Mul", pre, List.of(g.node("Add", pre, List.of(up, cube)), g.scalar((float) Math.sqrt(2 / Math.PI))));
        gelu = g.node("Add", pre, List.of(g.node("Tanh", pre, List.of(inner)), g.scalar(1f)));
        gelu = g.node("Mul", pre, List.of(g.node("Mul", pre, List.of(up, g.scalar(0.5f))), gelu));
      } else {
        gelu = g.node("Add", pre, List.of(g.node("Erf", pre, List.of(g.node("Div", pre, List.of(up, g.scalar((float) Math.sqrt(2)))))), g.scalar(1f)));
        gelu = g.node("Mul", pre, List.of(g.node("Mul", pre, List.of(up, gelu)), g.scalar(0.5f)));
      }
      String out = g.node("Add", pre, List.of(linear(g, pre + "output.dense", gelu, p.ffn(), h), attn));
      x = layerNorm(g, pre + "output.LayerNorm", out, h, l == p.layers() - 1 && !rows ? OUTPUT : null);
    }
    if (rows) {
      x = g.named("Reshape", List.of(x, g.node("Concat", "", List.of(batch, g.longs(new long[] {2}, -1, h)), Attr.i("axis", 0))), OUTPUT);
    }
    Files.createDirectories(dir);
    Path onnx = dir.resolve("model.onnx");
    try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(onnx), 1 << 20)) {
      g.writeModel(os, x, h);
    }
    writeTokenizer(dir.resolve("tokenizer.json"), vocab);
    return onnx;
  }

  /**
   * {@code x W + b}. PyTorch's forms: {@code W} stored {@code [in, out]}, the bias first in the Add, as there. Rows form:
   * {@code Gemm(x, W^T, b)} with {@code transB}, storing the transpose of the same drawn {@code W}, so every form holds
   * the same weights.
   */
  private static String linear(Graph g, String name, String x, int in, int out) {
    String w = g.weight(name.replace('.', '/') + "/weight_t", (float) Math.sqrt(3.0 / in), 0f, in, out);
    if (g.form.rows()) {
      // Anonymous, as a converter names it: the importer places it by the bias the Gemm adds, as for MatMul.
      String wt = g.transposed(w, name.replace('.', '/') + "/Gemm_weight");
      return g.node("Gemm", name, List.of(x, wt, g.weight(name + ".bias", 0.1f, 0f, out)), Attr.i("transB", 1));
    }
    return g.node("Add", name, List.of(g.weight(name + ".bias", 0.1f, 0f, out), g.node("MatMul", name, List.of(x, w))));
  }

  /**
   * A layer norm over the last axis, {@code (x - mean) / sqrt(var + eps) * gamma + beta}: decomposed as PyTorch exports
   * it at opset 11, one {@code LayerNormalization} node from opset 17; {@code out} names the result (null: any).
   */
  private static String layerNorm(Graph g, String name, String x, int h, String out) {
    if (g.form.opset >= 17) {
      List<String> in = List.of(x, g.weight(name + ".weight", 0.1f, 1f, h), g.weight(name + ".bias", 0.1f, 0f, h));
      Attr[] attrs = {Attr.i("axis", -1), Attr.f("epsilon", EPS)};
      return out == null ? g.node("LayerNormalization", name, in, attrs) : g.named("LayerNormalization", in, out, attrs);
    }
    String centred = g.node("Sub", name, List.of(x, g.node("ReduceMean", name, List.of(x), Attr.ints("axes", -1))));
    String var = g.node("ReduceMean", name, List.of(g.node("Pow", name, List.of(centred, g.scalar(2f)))), Attr.ints("axes", -1));
    String norm = g.node("Div", name, List.of(centred, g.node("Sqrt", name, List.of(g.node("Add", name, List.of(var, g.scalar(EPS)))))));
    List<String> in = List.of(g.node("Mul", name, List.of(norm, g.weight(name + ".weight", 0.1f, 1f, h))), g.weight(name + ".bias", 0.1f, 0f, h));
    return out == null ? g.node("Add", name, in) : g.named("Add", in, out);
  }

  /** {@code [PAD] [UNK] [CLS] [SEP] [MASK]}, then {@code t5 ... t(vocab-1)}: the ids are what matters to bench. */
  private static void writeTokenizer(Path file, int vocab) throws IOException {
    String[] special = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    try (JsonGenerator j = new JsonFactory().createGenerator(Files.newBufferedWriter(file))) {
      j.writeStartObject();
      j.writeStringField("version", "1.0");
      j.writeObjectFieldStart("normalizer");
      j.writeStringField("type", "BertNormalizer");
      j.writeBooleanField("lowercase", true);
      j.writeEndObject();
      j.writeObjectFieldStart("pre_tokenizer");
      j.writeStringField("type", "BertPreTokenizer");
      j.writeEndObject();
      j.writeObjectFieldStart("model");
      j.writeStringField("type", "WordPiece");
      j.writeStringField("unk_token", "[UNK]");
      j.writeStringField("continuing_subword_prefix", "##");
      j.writeObjectFieldStart("vocab");
      for (int i = 0; i < vocab; i++) {
        j.writeNumberField(i < special.length ? special[i] : "t" + i, i);
      }
      j.writeEndObject();
      j.writeEndObject();
      j.writeEndObject();
    }
  }

  /** A node attribute. */
  private record Attr(String name, int type, long[] ints, float f, String s) {
    static Attr i(String name, long value) {
      return new Attr(name, ATTR_INT, new long[] {value}, 0f, null);
    }

    static Attr ints(String name, long... values) {
      return new Attr(name, ATTR_INTS, values, 0f, null);
    }

    static Attr f(String name, float value) {
      return new Attr(name, ATTR_FLOAT, new long[0], value, null);
    }

    static Attr s(String name, String value) {
      return new Attr(name, ATTR_STRING, new long[0], 0f, value);
    }

    ProtoWriter encode() {
      ProtoWriter a = new ProtoWriter().string(1, name).varint(20, type);
      if (type == ATTR_FLOAT) {
        a.fixed32(2, f);
      } else if (type == ATTR_INT) {
        a.varint(3, ints[0]);
      } else if (type == ATTR_STRING) {
        a.string(4, s);
      } else {
        for (long v : ints) {
          a.varint(8, v);
        }
      }
      return a;
    }
  }

  /**
   * An initializer: either small constant data, or uniform random floats in {@code offset ± bound} drawn when the
   * file is written, so that a large model is never held in memory. A {@code transposed} matrix of dims {@code [r, c]}
   * holds the transpose of the {@code [c, r]} matrix its seed draws (drawn whole first, so only for tests' sizes).
   */
  private record Init(String name, int type, long[] dims, byte[] constant, float bound, float offset, long seed, boolean transposed) {
    long elements() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }

    long rawBytes() {
      return elements() * (type == INT64 ? 8 : 4);
    }

    ProtoWriter header() {
      ProtoWriter t = new ProtoWriter();
      for (long d : dims) {
        t.varint(1, d);
      }
      return t.varint(2, type).string(8, name);
    }

    long tensorBytes() {
      return header().size() + ProtoWriter.prefixSize(9, rawBytes()) + rawBytes();
    }

    void writeTo(OutputStream os) throws IOException {
      ProtoWriter prefix = new ProtoWriter().lengthPrefix(5, tensorBytes());
      prefix.writeTo(os);
      header().writeTo(os);
      new ProtoWriter().lengthPrefix(9, rawBytes()).writeTo(os);
      if (constant != null) {
        os.write(constant);
        return;
      }
      SplittableRandom r = new SplittableRandom(seed);
      float[] drawn = null;
      if (transposed) {
        drawn = new float[Math.toIntExact(elements())];
        for (int i = 0; i < drawn.length; i++) {
          drawn[i] = offset + (float) ((r.nextDouble() * 2 - 1) * bound);
        }
      }
      int rows = transposed ? (int) dims[0] : 0;
      int cols = transposed ? (int) dims[1] : 0;
      ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (long i = 0, n = elements(); i < n; i++) {
        if (!buf.hasRemaining()) {
          os.write(buf.array(), 0, buf.position());
          buf.clear();
        }
        // Element [i / cols, i % cols] of the transpose is element [i % cols, i / cols] of the drawn [cols, rows] matrix.
        buf.putFloat(transposed ? drawn[(int) (i % cols) * rows + (int) (i / cols)] : offset + (float) ((r.nextDouble() * 2 - 1) * bound));
      }
      os.write(buf.array(), 0, buf.position());
    }
  }

  /** The graph under construction: nodes in order, initializers, and a counter for unique value names. */
  private static final class Graph {
    final Form form;
    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<Init> inits = new ArrayList<>();
    private long seed;
    private int counter;

    Graph(long seed, Form form) {
      this.seed = seed;
      this.form = form;
    }

    /** {@code Unsqueeze} of one axis: an attribute up to opset 12, an input from opset 13. */
    String unsqueeze(String scope, String x, long axis) {
      return form.opset >= 13 ? node("Unsqueeze", scope, List.of(x, longs(new long[] {1}, axis))) : node("Unsqueeze", scope, List.of(x), Attr.ints("axes", axis));
    }

    /** Replaces the random matrix {@code drawn} with its transpose, named {@code name}: the same values, stored the other way. */
    String transposed(String drawn, String name) {
      Init w = inits.removeLast();
      if (!w.name().equals(drawn) || w.dims().length != 2) {
        throw new IllegalStateException("the last initializer is " + w.name() + ", not the matrix " + drawn);
      }
      inits.add(new Init(name, FLOAT, new long[] {w.dims()[1], w.dims()[0]}, null, w.bound(), w.offset(), w.seed(), true));
      return name;
    }

    /** Adds a node with one output and returns the output's name, unique and under {@code scope} as PyTorch names them. */
    String node(String op, String scope, List<String> inputs, Attr... attrs) {
      String prefix = "/" + scope.replace('.', '/');
      return named(op, inputs, prefix + (prefix.endsWith("/") ? "" : "/") + op + "_" + counter++ + "_output_0", attrs);
    }

    /** Adds a node whose one output is {@code out}. */
    String named(String op, List<String> inputs, String out, Attr... attrs) {
      ProtoWriter n = new ProtoWriter();
      for (String in : inputs) {
        n.string(1, in);
      }
      n.string(2, out).string(3, "node_" + nodes.size()).string(4, op);
      for (Attr a : attrs) {
        n.message(5, a.encode());
      }
      nodes.add(n);
      return out;
    }

    /** A random float initializer of {@code dims}, values in {@code offset ± bound}. */
    String weight(String name, float bound, float offset, long... dims) {
      inits.add(new Init(name, FLOAT, dims, null, bound, offset, seed++, false));
      return name;
    }

    String scalar(float v) {
      byte[] b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array();
      String name = "const_" + counter++;
      inits.add(new Init(name, FLOAT, new long[0], b, 0, 0, 0, false));
      return name;
    }

    String longs(long[] dims, long... values) {
      ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      for (long v : values) {
        b.putLong(v);
      }
      String name = "const_" + counter++;
      inits.add(new Init(name, INT64, dims, b.array(), 0, 0, 0, false));
      return name;
    }

    /** The ModelProto: the form's IR version and opset, inputs {@code input_ids}, {@code attention_mask}, {@code token_type_ids}, output {@code last_hidden_state}. */
    void writeModel(OutputStream os, String output, int hidden) throws IOException {
      ProtoWriter body = new ProtoWriter();
      for (ProtoWriter n : nodes) {
        body.message(1, n);
      }
      body.string(2, "main_graph");
      for (String in : List.of("input_ids", "attention_mask", "token_type_ids")) {
        body.message(11, valueInfo(in, INT64, "batch", "sequence"));
      }
      body.message(12, valueInfo(output, FLOAT, "batch", "sequence", hidden));
      long graphBytes = body.size();
      for (Init i : inits) {
        graphBytes += ProtoWriter.prefixSize(5, i.tensorBytes()) + i.tensorBytes();
      }
      ProtoWriter model = new ProtoWriter().varint(1, form.irVersion).string(2, "attn4j bench").message(8, new ProtoWriter().string(1, "").varint(2, form.opset));
      model.lengthPrefix(7, graphBytes);
      model.writeTo(os);
      body.writeTo(os);
      for (Init i : inits) {
        i.writeTo(os);
      }
    }

    /** A tensor's name, element type and shape; a dimension is a symbolic name or a fixed size. */
    private static ProtoWriter valueInfo(String name, int type, Object... dims) {
      ProtoWriter shape = new ProtoWriter();
      for (Object d : dims) {
        shape.message(1, d instanceof String s ? new ProtoWriter().string(2, s) : new ProtoWriter().varint(1, ((Number) d).longValue()));
      }
      ProtoWriter tensorType = new ProtoWriter().varint(1, type).message(2, shape);
      return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }
  }
}
