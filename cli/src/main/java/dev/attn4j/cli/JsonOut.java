package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.attn4j.api.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Streaming JSON output to a file or stdout; tensors written as nested arrays without building a tree. */
final class JsonOut {
  private static final JsonFactory FACTORY = new JsonFactory();
  /** For stdout: closing the generator must flush but never close {@code System.out}. */
  private static final JsonFactory STDOUT = new JsonFactory().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

  private JsonOut() {}

  static JsonGenerator open(Path file) throws IOException {
    JsonGenerator g = file == null
        ? STDOUT.createGenerator(System.out, JsonEncoding.UTF8)
        : FACTORY.createGenerator(Files.newOutputStream(file), JsonEncoding.UTF8);
    // Jackson puts a space between root values by default; JSON Lines output (one value per line, the newline
    // written by the caller) must start each line with the value itself.
    g.setRootValueSeparator(null);
    return g;
  }

  static void tensor(JsonGenerator g, Tensor t) throws IOException {
    float[] data = t.toArray();
    nested(g, data, t.shape().toArray(), 0, 0);
  }

  private static int nested(JsonGenerator g, float[] data, int[] dims, int axis, int offset) throws IOException {
    g.writeStartArray();
    if (axis == dims.length - 1) {
      for (int i = 0; i < dims[axis]; i++) {
        g.writeNumber(data[offset++]);
      }
    } else {
      for (int i = 0; i < dims[axis]; i++) {
        offset = nested(g, data, dims, axis + 1, offset);
      }
    }
    g.writeEndArray();
    return offset;
  }

  static void ints(JsonGenerator g, String name, List<int[]> rows) throws IOException {
    g.writeArrayFieldStart(name);
    for (int[] r : rows) {
      g.writeArray(r, 0, r.length);
    }
    g.writeEndArray();
  }

  static void floats(JsonGenerator g, float[] v) throws IOException {
    g.writeStartArray();
    for (float f : v) {
      g.writeNumber(f);
    }
    g.writeEndArray();
  }
}
