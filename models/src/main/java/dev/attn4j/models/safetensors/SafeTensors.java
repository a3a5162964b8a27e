package dev.attn4j.models.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attn4j.api.tensor.Shape;
import dev.attn4j.api.tensor.Tensor;
import dev.attn4j.api.tensor.TensorScope;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Json;
import dev.attn4j.models.internal.SafeTensorsWriter;
import dev.attn4j.models.internal.Weight;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A memory-mapped <a href="https://huggingface.co/docs/safetensors">safetensors</a> file. {@link #open}
 * validates the whole header before anything is used: its length, JSON syntax (duplicate keys rejected),
 * every entry's dtype, shape and byte range (inside the data section, matching the shape, not overlapping
 * another entry). float32 tensors are then used in place, without a copy; F16, BF16 and F64 are converted
 * once into the caller's scope.
 *
 * <p>Thread-safe; the mapping lives until {@link #close()}, after which tensors wrapped from it must not be
 * used.
 *
 * <p>Stability: stable since 0.1.
 */
public final class SafeTensors implements AutoCloseable {
  /** Headers larger than this are rejected (real ones are a few hundred KiB). */
  public static final long MAX_HEADER_BYTES = 100L << 20;
  private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final Path file;
  private final Arena arena;
  private final MemorySegment data;
  private final Map<String, TensorInfo> entries;
  private final Map<String, String> metadata;

  private SafeTensors(Path file, Arena arena, MemorySegment data, Map<String, TensorInfo> entries, Map<String, String> metadata) {
    this.file = file;
    this.arena = arena;
    this.data = data;
    this.entries = entries;
    this.metadata = metadata;
  }

  /**
   * Writes {@code tensors} as a new float32 safetensors file, in name order, with {@code metadata} as its
   * {@code __metadata__}: what {@link #open} reads back, and what Hugging Face's loaders read. Views are written as
   * the elements they address. Thread-safe as long as no tensor is written to meanwhile.
   *
   * @throws java.nio.file.FileAlreadyExistsException if {@code file} exists
   * @throws IOException if it cannot be written
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new UnsupportedOperationException("safetensors are little-endian; writing them on a big-endian host is not supported");
    }
    Map<String, Weight> weights = new LinkedHashMap<>();
    tensors.forEach((name, t) -> {
      MemorySegment bytes = t.segment();
      if (!t.isContiguous()) {
        // A byte[] copy: the writer hands segments to a FileChannel as ByteBuffers, which a float[] segment cannot be.
        float[] values = t.toArray();
        bytes = MemorySegment.ofArray(new byte[Math.multiplyExact(values.length, Float.BYTES)]);
        MemorySegment.copy(values, 0, bytes, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
      }
      weights.put(name, new Weight(Arrays.stream(t.shape().toArray()).asLongStream().toArray(), bytes, false));
    });
    SafeTensorsWriter.write(file, weights, metadata);
  }

  /**
   * Maps and validates {@code file}.
   *
   * @throws ModelFormatException if the file is not a valid safetensors file (the message names the file and entry)
   * @throws IOException if it cannot be read
   */
  public static SafeTensors open(Path file) throws IOException {
    Arena arena = Arena.ofShared();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) {
        throw new ModelFormatException(file + ": not a safetensors file (" + size + " bytes, need at least an 8-byte header length)");
      }
      MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
      long headerLength = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
      if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || headerLength > size - 8) {
        throw new ModelFormatException(file + ": header length " + Long.toUnsignedString(headerLength) + " is invalid for a file of " + size
            + " bytes (limit " + MAX_HEADER_BYTES + ")");
      }
      byte[] header = all.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
      MemorySegment data = all.asSlice(8 + headerLength);
      Map<String, String> metadata = new LinkedHashMap<>();
      Map<String, TensorInfo> entries = parseHeader(file, header, data.byteSize(), metadata);
      return new SafeTensors(file, arena, data, entries, metadata);
    } catch (IOException | RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  private static Map<String, TensorInfo> parseHeader(Path file, byte[] header, long dataSize, Map<String, String> metadata) throws ModelFormatException {
    JsonNode root = Json.parse(header, file, "header");
    if (root == null || !root.isObject()) {
      throw new ModelFormatException(file + ": header must be a JSON object");
    }
    Map<String, TensorInfo> entries = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (name.equals("__metadata__")) {
        if (!v.isObject()) {
          throw new ModelFormatException(file + ": __metadata__ must be an object of strings");
        }
        v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      entries.put(name, parseEntry(file, name, v, dataSize));
    }
    List<TensorInfo> byOffset = new ArrayList<>(entries.values());
    byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    // The format requires the tensors to tile the data section exactly: no overlap, no hole, nothing after the last.
    // A header length off by a few bytes still parses as JSON (headers end in padding spaces) and would shift every
    // tensor; only this check catches it.
    long expected = 0;
    TensorInfo prev = null;
    for (TensorInfo cur : byOffset) {
      if (cur.begin() != expected) {
        String after = prev == null ? "the start of the data section" : "tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ")";
        throw new ModelFormatException(file + ": tensor '" + cur.name() + "' [" + cur.begin() + ", " + cur.end() + ") "
            + (cur.begin() < expected ? "overlaps " : "leaves a hole after ") + after);
      }
      expected = cur.end();
      prev = cur;
    }
    if (expected != dataSize) {
      throw new ModelFormatException(file + ": the tensors cover " + expected + " bytes but the data section after the header holds " + dataSize
          + " (wrong header length or trailing bytes)");
    }
    return Collections.unmodifiableMap(entries);
  }

  private static TensorInfo parseEntry(Path file, String name, JsonNode v, long dataSize) throws ModelFormatException {
    String where = file + ": tensor '" + name + "'";
    if (!v.isObject()) {
      throw new ModelFormatException(where + ": entry must be an object");
    }
    JsonNode dt = v.get("dtype");
    if (dt == null || !dt.isTextual()) {
      throw new ModelFormatException(where + ": missing dtype");
    }
    DType dtype;
    try {
      dtype = DType.valueOf(dt.asText());
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(where + ": unsupported dtype '" + dt.asText() + "'");
    }
    JsonNode sh = v.get("shape");
    if (sh == null || !sh.isArray() || sh.size() > 8) {
      throw new ModelFormatException(where + ": shape must be an array of at most 8 dimensions");
    }
    int[] shape = new int[sh.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = sh.get(i);
      if (!d.isIntegralNumber() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
        throw new ModelFormatException(where + ": shape " + sh + " has an invalid dimension");
      }
      shape[i] = d.asInt();
      try {
        elements = Math.multiplyExact(elements, shape[i]);
      } catch (ArithmeticException overflow) {
        elements = Long.MAX_VALUE;
      }
      if (elements > Long.MAX_VALUE / 8) {
        throw new ModelFormatException(where + ": shape " + sh + " is too large");
      }
    }
    JsonNode off = v.get("data_offsets");
    if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
        || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
      throw new ModelFormatException(where + ": data_offsets must be two integers");
    }
    long begin = off.get(0).asLong();
    long end = off.get(1).asLong();
    if (begin < 0 || end < begin || end > dataSize) {
      throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + ") lie outside the data section of " + dataSize + " bytes");
    }
    if (end - begin != elements * dtype.bytes()) {
      throw new ModelFormatException(where + ": " + dtype + " " + sh + " needs " + elements * dtype.bytes() + " bytes but data_offsets span "
          + (end - begin));
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /** All tensor names, in header order. */
  public Set<String> names() {
    return entries.keySet();
  }

  /** The header's {@code __metadata__} (empty when absent). */
  public Map<String, String> metadata() {
    return Collections.unmodifiableMap(metadata);
  }

  /** The entry called {@code name}, if present. */
  public Optional<TensorInfo> info(String name) {
    return Optional.ofNullable(entries.get(name));
  }

  /**
   * The tensor {@code name} as float32: a view of the mapped file for aligned F32 data, a converted copy in
   * {@code scope} otherwise. Every value is checked to be finite.
   *
   * @throws ModelFormatException if it is missing, not a floating-point type, or holds NaN or infinity
   */
  public Tensor tensor(String name, TensorScope scope) throws ModelFormatException {
    TensorInfo info = entries.get(name);
    if (info == null) {
      throw new ModelFormatException(file + ": tensor '" + name + "' is missing");
    }
    if (!info.dtype().floating()) {
      throw new ModelFormatException(file + ": tensor '" + name + "' has dtype " + info.dtype() + ", expected a floating-point type");
    }
    MemorySegment bytes = data.asSlice(info.begin(), info.end() - info.begin());
    Shape shape = Shape.of(info.shape());
    long n = info.elements();
    Tensor out;
    if (info.dtype() == DType.F32 && bytes.address() % Float.BYTES == 0 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
      out = scope.wrap(bytes, shape);
    } else {
      out = scope.allocate(shape);
      MemorySegment dst = out.segment();
      switch (info.dtype()) {
        case F32 -> MemorySegment.copy(bytes, LE_FLOAT, 0, dst, ValueLayout.JAVA_FLOAT, 0, n); // unaligned or big-endian host
        case F16 -> {
          for (long i = 0; i < n; i++) {
            dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.float16ToFloat(bytes.get(LE_SHORT, i * 2)));
          }
        }
        case BF16 -> {
          for (long i = 0; i < n; i++) {
            dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.intBitsToFloat(bytes.get(LE_SHORT, i * 2) << 16));
          }
        }
        case F64 -> {
          for (long i = 0; i < n; i++) {
            dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) bytes.get(LE_DOUBLE, i * 8));
          }
        }
        default -> throw new IllegalStateException("not a floating-point dtype: " + info.dtype());
      }
    }
    long bad = firstNonFinite(out.segment(), n);
    if (bad >= 0) {
      throw new ModelFormatException(file + ": tensor '" + name + "' holds " + out.segment().getAtIndex(ValueLayout.JAVA_FLOAT, bad) + " at element " + bad);
    }
    return out;
  }

  /** Floats checked per bulk copy in {@link #firstNonFinite}. */
  private static final int SCAN_CHUNK = 4096;

  /**
   * The index of the first NaN or infinity among the first {@code n} floats of {@code values}, or -1. Every weight
   * of a model passes through here while it loads (~23 million floats for all-MiniLM-L6-v2), on a cold JVM: chunks
   * are bulk-copied to an array and tested with a branch-free OR of their exponent bits, a loop the JIT compiles
   * within the first chunks, where a per-element segment read stayed slow for most of the load.
   */
  private static long firstNonFinite(MemorySegment values, long n) {
    int[] chunk = new int[SCAN_CHUNK];
    for (long from = 0; from < n; from += SCAN_CHUNK) {
      int len = (int) Math.min(SCAN_CHUNK, n - from);
      MemorySegment.copy(values, ValueLayout.JAVA_INT, from * Float.BYTES, chunk, 0, len);
      // A float is NaN or infinite when its eight exponent bits are all ones; adding one to that exponent carries into
      // the sign bit exactly then, so the OR of all the sums is negative iff some element is.
      int any = 0;
      for (int i = 0; i < len; i++) {
        any |= (chunk[i] & 0x7f800000) + 0x00800000;
      }
      if (any < 0) {
        for (int i = 0; i < len; i++) {
          if ((chunk[i] & 0x7f800000) == 0x7f800000) {
            return from + i;
          }
        }
      }
    }
    return -1;
  }

  /** Unmaps the file. */
  @Override
  public void close() {
    arena.close();
  }
}
