package dev.attn4j.models.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attn4j.models.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one JSON reader of the model files (config.json, tokenizer files, safetensors headers): duplicate keys
 * are an error, and a syntax error becomes a {@link ModelFormatException} naming the file. Thread-safe.
 */
public final class Json {
  private static final ObjectMapper STRICT = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private Json() {}

  /** Parses {@code bytes}, which came from {@code source} (named in errors as {@code what}). */
  public static JsonNode parse(byte[] bytes, Path source, String what) throws ModelFormatException {
    try {
      return STRICT.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new ModelFormatException(source + ": " + what + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ModelFormatException(source + ": " + what + " unreadable: " + e.getMessage(), e);
    }
  }

  /** Reads {@code file}, which must hold a JSON object. */
  public static JsonNode readObject(Path file) throws IOException {
    JsonNode n = parse(Files.readAllBytes(file), file, "content");
    if (n == null || !n.isObject()) {
      throw new ModelFormatException(file + ": must hold a JSON object");
    }
    return n;
  }
}
