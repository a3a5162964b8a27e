package dev.attn4j.models.onnx.internal;

import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.onnx.internal.ProtoReader.FloatList;
import dev.attn4j.models.onnx.internal.ProtoReader.LongList;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parts of an ONNX {@code ModelProto} a weight importer needs: opset, graph nodes (op type, inputs, outputs,
 * attributes), initializers and graph inputs. Tensors with external data are read from their side file, which must
 * lie inside the model's folder. The file is memory-mapped in the caller's arena; tensors are views of it.
 * Not thread-safe.
 */
public final class OnnxGraph {
  /** A graph node. */
  public record Node(String name, String opType, List<String> inputs, List<String> outputs, Map<String, Attribute> attributes) {
    /** A readable reference for error messages. */
    public String describe() {
      return opType + " node '" + (name.isEmpty() ? outputs : name) + "'";
    }
  }

  /** A node attribute (only the kinds the importer reads). */
  public record Attribute(String name, float f, long i, OnnxTensor t, long[] ints, String s) {}

  private final Path file;
  private final long opset;
  private final List<Node> nodes;
  private final Map<String, OnnxTensor> initializers;
  private final List<String> inputs;
  private final List<Path> externalFiles;

  /** Where a graph's tensors come from: the model's folder (external data is relative to it) and the arena mapping them. */
  private record Source(Path dir, Arena arena, Set<Path> externalFiles) {}

  private OnnxGraph(Path file, long opset, List<Node> nodes, Map<String, OnnxTensor> initializers, List<String> inputs, List<Path> externalFiles) {
    this.file = file;
    this.opset = opset;
    this.nodes = nodes;
    this.initializers = initializers;
    this.inputs = inputs;
    this.externalFiles = externalFiles;
  }

  /** Maps and parses {@code file}; its data lives as long as {@code arena}. */
  public static OnnxGraph read(Path file, Arena arena) throws IOException {
    MemorySegment data;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      data = ch.size() == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
    }
    if (data.byteSize() == 0) {
      throw new ModelFormatException(file + ": empty file, not an ONNX model");
    }
    ProtoReader r = ProtoReader.of(data, file.toString());
    ProtoReader graph = null;
    long opset = -1;
    while (r.next()) {
      if (r.field() == 7 && r.wireType() == ProtoReader.LEN) {
        graph = r.message();
      } else if (r.field() == 8 && r.wireType() == ProtoReader.LEN) {
        ProtoReader op = r.message();
        String domain = "";
        long version = -1;
        while (op.next()) {
          if (op.field() == 1 && op.wireType() == ProtoReader.LEN) {
            domain = op.string();
          } else if (op.field() == 2 && op.wireType() == ProtoReader.VARINT) {
            version = op.varint();
          } else {
            op.skip();
          }
        }
        if (domain.isEmpty() || domain.equals("ai.onnx")) {
          opset = version;
        }
      } else {
        r.skip();
      }
    }
    if (graph == null) {
      throw new ModelFormatException(file + ": no graph (field 7 of ModelProto): not an ONNX model");
    }
    List<Node> nodes = new ArrayList<>();
    Map<String, OnnxTensor> inits = new LinkedHashMap<>();
    List<String> inputs = new ArrayList<>();
    Source src = new Source(file.toAbsolutePath().getParent(), arena, new TreeSet<>());
    while (graph.next()) {
      switch (graph.field()) {
        case 1 -> nodes.add(node(graph.message(), src));
        case 5 -> {
          OnnxTensor t = tensor(graph.message(), src);
          inits.put(t.name(), t);
        }
        case 11 -> {
          ProtoReader vi = graph.message();
          while (vi.next()) {
            if (vi.field() == 1 && vi.wireType() == ProtoReader.LEN) {
              inputs.add(vi.string());
            } else {
              vi.skip();
            }
          }
        }
        default -> graph.skip();
      }
    }
    return new OnnxGraph(file, opset, List.copyOf(nodes), inits, List.copyOf(inputs), List.copyOf(src.externalFiles()));
  }

  private static Node node(ProtoReader r, Source src) throws IOException {
    String name = "";
    String op = "";
    List<String> in = new ArrayList<>();
    List<String> out = new ArrayList<>();
    Map<String, Attribute> attrs = new HashMap<>();
    while (r.next()) {
      switch (r.field()) {
        case 1 -> in.add(r.string());
        case 2 -> out.add(r.string());
        case 3 -> name = r.string();
        case 4 -> op = r.string();
        case 5 -> {
          Attribute a = attribute(r.message(), src);
          attrs.put(a.name(), a);
        }
        default -> r.skip();
      }
    }
    return new Node(name, op, List.copyOf(in), List.copyOf(out), attrs);
  }

  private static Attribute attribute(ProtoReader r, Source src) throws IOException {
    String name = "";
    float f = 0;
    long i = 0;
    OnnxTensor t = null;
    String s = null;
    LongList ints = new LongList();
    while (r.next()) {
      switch (r.field()) {
        case 1 -> name = r.string();
        case 2 -> f = r.wireType() == ProtoReader.FIXED32 ? r.fixed32Float() : skipped(r, 0f);
        case 3 -> i = r.wireType() == ProtoReader.VARINT ? r.varint() : skipped(r, 0L);
        case 4 -> s = r.string();
        case 5 -> t = tensor(r.message(), src);
        case 8 -> r.repeatedVarints(ints);
        default -> r.skip();
      }
    }
    return new Attribute(name, f, i, t, ints.toArray(), s);
  }

  private static <T> T skipped(ProtoReader r, T value) throws ModelFormatException {
    r.skip();
    return value;
  }

  private static OnnxTensor tensor(ProtoReader r, Source src) throws IOException {
    LongList dims = new LongList();
    int type = 0;
    String name = "";
    MemorySegment raw = null;
    FloatList floats = new FloatList();
    LongList longs = new LongList();
    boolean external = false;
    Map<String, String> ext = new HashMap<>();
    while (r.next()) {
      switch (r.field()) {
        case 1 -> r.repeatedVarints(dims);
        case 2 -> type = (int) r.varint();
        case 4 -> r.repeatedFloats(floats);
        case 5, 7 -> r.repeatedVarints(longs);
        case 8 -> name = r.string();
        case 9 -> raw = r.bytes();
        case 13 -> {
          ProtoReader kv = r.message();
          String k = "";
          String v = "";
          while (kv.next()) {
            if (kv.field() == 1) {
              k = kv.string();
            } else if (kv.field() == 2) {
              v = kv.string();
            } else {
              kv.skip();
            }
          }
          ext.put(k, v);
        }
        case 14 -> external = r.varint() == 1;
        default -> r.skip();
      }
    }
    long[] d = dims.toArray();
    long n = 1;
    for (long x : d) {
      if (x < 0 || x > Integer.MAX_VALUE) {
        throw r.error("tensor '" + name + "' has an impossible dimension " + x);
      }
      n = Math.multiplyExact(n, x);
    }
    int size = OnnxTensor.elementSize(type);
    MemorySegment data;
    if (external) {
      data = externalData(name, ext, src);
    } else if (raw != null) {
      data = raw;
    } else if (floats.size() > 0) {
      data = src.arena().allocate(4L * floats.size());
      for (int i = 0; i < floats.size(); i++) {
        data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, floats.get(i));
      }
    } else {
      long[] l = longs.toArray();
      int es = size == 0 ? 8 : size;
      data = src.arena().allocate(Math.max(1, (long) es * l.length));
      for (int i = 0; i < l.length; i++) {
        if (es == 4) {
          data.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, (int) l[i]);
        } else {
          data.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, l[i]);
        }
      }
      data = data.asSlice(0, (long) es * l.length);
    }
    if (size != 0 && data.byteSize() != n * size) {
      throw r.error("tensor '" + name + "' of dims " + java.util.Arrays.toString(d) + " needs " + n * size + " bytes of data but has " + data.byteSize());
    }
    return new OnnxTensor(name, d, type, data);
  }

  private static MemorySegment externalData(String name, Map<String, String> ext, Source src) throws IOException {
    String location = ext.get("location");
    if (location == null || location.isEmpty()) {
      throw new ModelFormatException("tensor '" + name + "' has external data without a location");
    }
    Path file = src.dir().resolve(location).normalize();
    if (!file.startsWith(src.dir())) {
      throw new ModelFormatException("tensor '" + name + "': external data location '" + location + "' points outside the model's folder " + src.dir());
    }
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException("tensor '" + name + "': external data file " + file + " not found");
    }
    long offset;
    long length;
    try {
      offset = Long.parseLong(ext.getOrDefault("offset", "0"));
      length = ext.containsKey("length") ? Long.parseLong(ext.get("length")) : -1;
    } catch (NumberFormatException e) {
      throw new ModelFormatException("tensor '" + name + "': bad external data offset/length " + ext, e);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (length < 0) {
        length = size - offset;
      }
      if (offset < 0 || length < 0 || offset > size || length > size - offset) {
        throw new ModelFormatException("tensor '" + name + "': external data [" + offset + ", +" + length + ") lies outside " + file + " (" + size + " bytes)");
      }
      src.externalFiles().add(file);
      return length == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, offset, length, src.arena());
    }
  }

  public Path file() {
    return file;
  }

  /** The default-domain opset version, or -1 if the model declares none. */
  public long opset() {
    return opset;
  }

  public List<Node> nodes() {
    return nodes;
  }

  /** Initializers by name, in file order. */
  public Map<String, OnnxTensor> initializers() {
    return initializers;
  }

  /** Names of the graph's inputs. */
  public List<String> inputs() {
    return inputs;
  }

  /** The external-data files the tensors were read from (absolute, inside the model's folder), sorted; empty if none. */
  public List<Path> externalFiles() {
    return externalFiles;
  }
}
