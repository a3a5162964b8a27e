package dev.attn4j.models.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attn4j.models.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one JSON reader of the model files (config.json, tokenizer files, safetensors headers): duplicate keys
 * are an error, and a syntax error becomes a {@link ModelFormatException} naming the file. Thread-safe.
 */
public final class Json {
  /**
   * Only jackson-core's streaming parser and the tree node classes: an {@code ObjectMapper} costs ~200 ms of class
   * loading and set-up on a cold JVM, which was most of the time to load a small model.
   */
  private static final JsonFactory STRICT = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  /** Parses {@code bytes}, which came from {@code source} (named in errors as {@code what}). */
  public static JsonNode parse(byte[] bytes, Path source, String what) throws ModelFormatException {
    try (JsonParser p = STRICT.createParser(bytes)) {
      if (p.nextToken() == null) {
        return null;
      }
      JsonNode root = value(p);
      if (p.nextToken() != null) {
        throw new ModelFormatException(source + ": " + what + " is not valid JSON: content after the end of the value at "
            + p.currentTokenLocation().offsetDescription());
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new ModelFormatException(source + ": " + what + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new ModelFormatException(source + ": " + what + " unreadable: " + e.getMessage(), e);
    }
  }

  /** The value starting at the parser's current token, as a tree. */
  private static JsonNode value(JsonParser p) throws IOException {
    return switch (p.currentToken()) {
      case START_OBJECT -> {
        ObjectNode o = NODES.objectNode();
        while (p.nextToken() != JsonToken.END_OBJECT) {
          String key = p.currentName();
          p.nextToken();
          o.set(key, value(p));
        }
        yield o;
      }
      case START_ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          a.add(value(p));
        }
        yield a;
      }
      case VALUE_STRING -> NODES.textNode(p.getText());
      case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
        case INT -> NODES.numberNode(p.getIntValue());
        case LONG -> NODES.numberNode(p.getLongValue());
        default -> NODES.numberNode(p.getBigIntegerValue());
      };
      case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
      case VALUE_TRUE -> NODES.booleanNode(true);
      case VALUE_FALSE -> NODES.booleanNode(false);
      case VALUE_NULL -> NODES.nullNode();
      default -> throw new JsonParseException(p, "unexpected token " + p.currentToken());
    };
  }

  /**
   * The boolean at {@code key} of {@code object}, or {@code absent} when the key is missing or null.
   *
   * @throws ModelFormatException naming {@code file} and the key when the value is not a JSON boolean ({@code "yes"},
   *     {@code 1}, {@code "true"}): guessing what such a value meant would silently change the model's behaviour
   */
  public static boolean bool(JsonNode object, String key, boolean absent, Path file) throws ModelFormatException {
    Boolean b = optionalBool(object, key, file);
    return b == null ? absent : b;
  }

  /** {@link #bool}, with null for a missing or null value. */
  public static Boolean optionalBool(JsonNode object, String key, Path file) throws ModelFormatException {
    JsonNode v = object == null ? null : object.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isBoolean()) {
      throw new ModelFormatException(file + ": '" + key + "' must be true or false, got " + v);
    }
    return v.booleanValue();
  }

  /**
   * The integer at {@code key} of {@code object}, which must be present and between 1 and 2^24.
   *
   * @throws ModelFormatException naming {@code file} and the key otherwise
   */
  public static int positiveInt(JsonNode object, String key, Path file) throws ModelFormatException {
    JsonNode v = object.get(key);
    if (v == null) {
      throw new ModelFormatException(file + ": missing '" + key + "'");
    }
    if (!v.isIntegralNumber() || v.asLong() <= 0 || v.asLong() > 1 << 24) {
      throw new ModelFormatException(file + ": '" + key + "' must be a positive integer, got " + v);
    }
    return v.asInt();
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
