package dev.attn4j.models.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes float32 weights as a safetensors file: 8-byte header length, JSON header padded to 8 bytes, data in name
 * order. Stateless; the file must not exist yet.
 */
public final class SafeTensorsWriter {
  private SafeTensorsWriter() {}

  public static void write(Path file, Map<String, Weight> weights, Map<String, String> metadata) throws IOException {
    Map<String, Weight> sorted = new TreeMap<>(weights);
    ObjectMapper json = new ObjectMapper();
    ObjectNode header = json.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, Weight> e : sorted.entrySet()) {
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", "F32");
      var shape = t.putArray("shape");
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      long size = e.getValue().byteSize();
      t.putArray("data_offsets").add(offset).add(offset + size);
      offset += size;
    }
    byte[] h = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    int padded = (h.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(h);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      writeFully(ch, head);
      for (Weight w : sorted.values()) {
        writeFully(ch, w.bytes().asByteBuffer());
      }
      ch.force(true);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
