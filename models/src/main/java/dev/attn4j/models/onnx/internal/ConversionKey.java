package dev.attn4j.models.onnx.internal;

import dev.attn4j.api.cache.UserCache;
import dev.attn4j.models.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The {@link UserCache} key of a converted ONNX model: everything the conversion reads, each part named by its role
 * (not its path, so a moved file maps the same folder) with its size and checksum, plus the converter's revision.
 * Stateless and thread-safe.
 */
public final class ConversionKey {
  /** Every converted model's key starts with this: they form one {@link UserCache} family. */
  public static final String FAMILY = "onnx";
  /** Bumped when the conversion's output changes, so that folders an older converter wrote are not reused. */
  private static final UserCache.Content CONVERTER = new UserCache.Content("attn4j-onnx-import", 2, 0);

  private ConversionKey() {}

  /**
   * The key of an ONNX file with its tokenizer and optional config, read once each to checksum them, and of every
   * external-data file its tensors name (a re-exported model can keep a byte-identical graph file and change only
   * those).
   *
   * @throws ModelFormatException if a file is missing or the ONNX file cannot be parsed
   */
  public static String ofFiles(Path onnx, Path tokenizerJson, Path configJson) throws IOException {
    List<UserCache.Content> parts = new ArrayList<>(List.of(CONVERTER, content("model.onnx", onnx), content("tokenizer.json", tokenizerJson)));
    if (configJson != null) {
      parts.add(content("config.json", configJson));
    }
    try (Arena arena = Arena.ofConfined()) {
      Path dir = onnx.toAbsolutePath().getParent();
      for (Path data : OnnxGraph.read(onnx, arena).externalFiles()) {
        parts.add(content("external/" + dir.relativize(data), data));
      }
    }
    return FAMILY + "-" + UserCache.contentKey(parts);
  }

  /**
   * The key of the model in a jar: its ONNX and tokenizer entries by the size and CRC-32 its zip directory records,
   * so nothing is decompressed, and the same model in another jar (or another version of the jar) maps the same
   * folder.
   */
  public static String ofJar(ZipFile zip, ZipEntry onnx, ZipEntry tokenizerJson) throws IOException {
    return FAMILY + "jar-" + UserCache.contentKey(List.of(CONVERTER, content(zip, onnx, "model.onnx"), content(zip, tokenizerJson, "tokenizer.json")));
  }

  private static UserCache.Content content(String name, Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException(file + ": no such file");
    }
    return UserCache.fileContent(name, file);
  }

  /** A jar entry's size and CRC-32 as its zip directory records them, read from the entry only if it does not. */
  private static UserCache.Content content(ZipFile zip, ZipEntry e, String name) throws IOException {
    if (e.getSize() >= 0 && e.getCrc() >= 0) {
      return new UserCache.Content(name, e.getSize(), e.getCrc());
    }
    try (InputStream in = zip.getInputStream(e)) {
      return UserCache.zipContent(name, in);
    }
  }
}
