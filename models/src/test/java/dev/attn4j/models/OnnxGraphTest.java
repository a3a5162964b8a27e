package dev.attn4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.models.onnx.internal.OnnxGraph;
import dev.attn4j.models.onnx.internal.OnnxTensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ONNX reader on hand-built protobufs: external data, typed fields, packed and unpacked dims, and bounds. */
class OnnxGraphTest {
  @TempDir Path dir;

  private static Proto external(String name, String location, long offset, long length) {
    return new Proto().varint(1, 2).varint(2, OnnxTensor.FLOAT).string(8, name)
        .message(13, new Proto().string(1, "location").string(2, location))
        .message(13, new Proto().string(1, "offset").string(2, Long.toString(offset)))
        .message(13, new Proto().string(1, "length").string(2, Long.toString(length)))
        .varint(14, 1);
  }

  private Path model(Proto... initializers) throws IOException {
    Proto graph = new Proto();
    for (Proto t : initializers) {
      graph.message(5, t);
    }
    Path f = dir.resolve("m" + System.nanoTime() + ".onnx");
    Files.write(f, new Proto().varint(1, 8).message(7, graph).message(8, new Proto().varint(2, 14)).toBytes());
    return f;
  }

  @Test
  void externalDataIsReadFromTheSideFileWithinItsBounds() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    b.putFloat(9f).putFloat(1.5f).putFloat(-2f);
    Files.write(dir.resolve("weights.bin"), b.array());
    Path f = model(external("w", "weights.bin", 4, 8));
    try (Arena arena = Arena.ofConfined()) {
      OnnxGraph g = OnnxGraph.read(f, arena);
      assertEquals(14, g.opset());
      assertArrayEquals(new float[] {1.5f, -2f}, g.initializers().get("w").floats());
      assertEquals(List.of(dir.resolve("weights.bin").toAbsolutePath()), g.externalFiles());
    }
    for (Proto bad : new Proto[] {external("w", "weights.bin", 8, 8), external("w", "../outside.bin", 0, 8), external("w", "missing.bin", 0, 8),
        external("w", "weights.bin", 0, 4)}) {
      Path m = model(bad);
      try (Arena arena = Arena.ofConfined()) {
        var e = assertThrows(ModelFormatException.class, () -> OnnxGraph.read(m, arena));
        assertTrue(e.getMessage().contains("'w'"), e.getMessage());
      }
    }
  }

  @Test
  void typedFieldsAndUnpackedDimsAreRead() throws IOException {
    Proto longs = new Proto().varint(1, 3).varint(2, OnnxTensor.INT64).string(8, "shape").varint(7, 0).varint(7, 12).varint(7, 32);
    Path f = model(longs);
    try (Arena arena = Arena.ofConfined()) {
      assertArrayEquals(new long[] {0, 12, 32}, OnnxGraph.read(f, arena).initializers().get("shape").longs());
    }
    Proto wrongSize = new Proto().varint(1, 4).varint(2, OnnxTensor.FLOAT).string(8, "x").bytes(9, new byte[12]);
    Path g = model(wrongSize);
    try (Arena arena = Arena.ofConfined()) {
      var e = assertThrows(ModelFormatException.class, () -> OnnxGraph.read(g, arena));
      assertTrue(e.getMessage().contains("needs 16 bytes of data but has 12"), e.getMessage());
    }
  }
}
