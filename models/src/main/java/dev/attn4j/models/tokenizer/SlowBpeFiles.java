package dev.attn4j.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attn4j.models.ModelFormatException;
import dev.attn4j.models.internal.Json;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files a slow Hugging Face {@code RobertaTokenizer} saves, read as the {@code tokenizer.json} that
 * transformers' converter would write from them ({@code RobertaConverter}): {@code vocab.json} (token to id),
 * {@code merges.txt} (one merge {@code "a b"} per line, by rank, after a {@code #version} header),
 * the special tokens of {@code tokenizer_config.json} overridden by {@code special_tokens_map.json} (RoBERTa's
 * defaults {@code <s> </s> <unk> <pad> <mask>} where neither names one; {@code <mask>} swallows the space before it
 * unless its entry says otherwise), the extra tokens of {@code added_tokens.json} and of
 * {@code tokenizer_config.json}'s {@code added_tokens_decoder}, its {@code add_prefix_space} and {@code trim_offsets};
 * {@code <s> A </s></s> B </s>} around the text. Other slow BPE tokenizers (GPT-2's, which adds no special tokens)
 * are refused.
 *
 * <p>Stateless; the reader is thread-safe.
 */
final class SlowBpeFiles {
  static final String VOCAB = "vocab.json";
  static final String MERGES = "merges.txt";
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** Slow tokenizer classes that share RoBERTa's byte-level BPE and template. */
  private static final List<String> ROBERTA_LIKE = List.of("RobertaTokenizer", "BartTokenizer", "LongformerTokenizer", "MarkupLMTokenizer");
  /** The special-token keys, with RoBERTa's default for each. */
  private static final Map<String, String> DEFAULTS = defaults();

  private SlowBpeFiles() {}

  private static Map<String, String> defaults() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("bos_token", "<s>");
    m.put("eos_token", "</s>");
    m.put("unk_token", "<unk>");
    m.put("sep_token", "</s>");
    m.put("pad_token", "<pad>");
    m.put("cls_token", "<s>");
    m.put("mask_token", "<mask>");
    return m;
  }

  /** The {@code tokenizer.json} tree equivalent to the slow tokenizer files in {@code dir}. */
  static JsonNode asTokenizerJson(Path dir) throws IOException {
    Path vocabFile = dir.resolve(VOCAB);
    Path mergesFile = dir.resolve(MERGES);
    if (!Files.isRegularFile(mergesFile)) {
      throw new ModelFormatException(dir + ": " + VOCAB + " without " + MERGES + " (a byte-level BPE tokenizer needs both, or a tokenizer.json)");
    }
    Path configFile = dir.resolve("tokenizer_config.json");
    JsonNode config = Files.isRegularFile(configFile) ? Json.readObject(configFile) : NODES.objectNode();
    String cls = config.path("tokenizer_class").asText("");
    if (!cls.isEmpty() && ROBERTA_LIKE.stream().noneMatch(c -> cls.equals(c) || cls.equals(c + "Fast"))) {
      throw new ModelFormatException(configFile + ": tokenizer_class '" + cls + "' with vocab.json and merges.txt is not supported (RoBERTa-style: "
          + String.join(", ", ROBERTA_LIKE) + ")");
    }
    Path mapFile = dir.resolve("special_tokens_map.json");
    JsonNode map = Files.isRegularFile(mapFile) ? Json.readObject(mapFile) : NODES.objectNode();

    JsonNode vocab = Json.readObject(vocabFile);
    ObjectNode model = NODES.objectNode();
    model.put("type", "BPE");
    model.set("vocab", vocab);
    model.set("merges", merges(mergesFile));

    // Added tokens by content, in the order the converter adds them: the vocabulary's own extras, then the specials.
    Map<String, ObjectNode> added = new LinkedHashMap<>();
    Path addedFile = dir.resolve("added_tokens.json");
    if (Files.isRegularFile(addedFile)) {
      for (var it = Json.readObject(addedFile).fields(); it.hasNext(); ) {
        var e = it.next();
        added.put(e.getKey(), token(e.getKey(), e.getValue(), false, false));
      }
    }
    for (var it = config.path("added_tokens_decoder").fields(); it.hasNext(); ) {
      var e = it.next();
      JsonNode t = e.getValue();
      String content = t.path("content").asText("");
      if (content.isEmpty() || !e.getKey().matches("\\d{1,9}")) {
        throw new ModelFormatException(configFile + ": added_tokens_decoder entry '" + e.getKey() + "' needs a numeric id and a content");
      }
      added.put(content, token(content, NODES.numberNode(Integer.parseInt(e.getKey())), Json.bool(t, "lstrip", false, configFile),
          Json.bool(t, "rstrip", false, configFile)));
    }
    Map<String, String> specials = new LinkedHashMap<>();
    for (var d : DEFAULTS.entrySet()) {
      String key = d.getKey();
      JsonNode given = map.hasNonNull(key) ? map.get(key) : config.get(key);
      Path from = map.hasNonNull(key) ? mapFile : configFile;
      String content = given == null || given.isNull() ? d.getValue() : given.isTextual() ? given.asText() : given.path("content").asText("");
      if (content.isEmpty()) {
        throw new ModelFormatException(from + ": " + key + " must be a token or {\"content\": ...}, got " + given);
      }
      // RobertaTokenizer makes its mask token lstrip (so "a <mask>" is "a" + "<mask>") unless it is given as an AddedToken.
      boolean object = given != null && given.isObject();
      boolean lstrip = object ? Json.bool(given, "lstrip", false, from) : key.equals("mask_token");
      boolean rstrip = object && Json.bool(given, "rstrip", false, from);
      specials.put(key, content);
      JsonNode id = vocab.get(content) != null ? vocab.get(content) : added.containsKey(content) ? added.get(content).get("id") : null;
      if (id == null) {
        throw new ModelFormatException(from + ": " + key + " '" + content + "' is neither in " + VOCAB + " nor an added token");
      }
      ObjectNode previous = added.get(content);
      added.put(content, token(content, id, lstrip || previous != null && previous.path("lstrip").asBoolean(), rstrip || previous != null && previous.path("rstrip").asBoolean()));
    }
    for (JsonNode extra : map.has("additional_special_tokens") ? map.path("additional_special_tokens") : config.path("additional_special_tokens")) {
      String content = extra.isTextual() ? extra.asText() : extra.path("content").asText("");
      JsonNode id = vocab.get(content) != null ? vocab.get(content) : added.containsKey(content) ? added.get(content).get("id") : null;
      if (content.isEmpty() || id == null) {
        throw new ModelFormatException(dir + ": additional special token " + extra + " is neither in " + VOCAB + " nor an added token");
      }
      added.putIfAbsent(content, token(content, id, false, false));
    }
    ArrayNode addedTokens = NODES.arrayNode();
    added.values().forEach(addedTokens::add);

    boolean prefixSpace = Json.bool(config, "add_prefix_space", false, configFile);
    boolean trim = Json.bool(config, "trim_offsets", true, configFile);
    ObjectNode pre = NODES.objectNode();
    pre.put("type", "ByteLevel");
    pre.put("add_prefix_space", prefixSpace);
    pre.put("trim_offsets", trim);
    pre.put("use_regex", true);
    ObjectNode post = NODES.objectNode();
    post.put("type", "RobertaProcessing");
    post.set("sep", pair(specials.get("sep_token"), vocab, added));
    post.set("cls", pair(specials.get("cls_token"), vocab, added));
    post.put("trim_offsets", trim);
    post.put("add_prefix_space", prefixSpace);

    ObjectNode root = NODES.objectNode();
    root.set("added_tokens", addedTokens);
    root.set("pre_tokenizer", pre);
    root.set("post_processor", post);
    root.set("model", model);
    return root;
  }

  /**
   * The merges of {@code merges.txt} in rank order: a first line starting with {@code #} is the format's header
   * ({@code #version: 0.2}), blank lines are skipped.
   */
  private static ArrayNode merges(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw new ModelFormatException(file + ": not UTF-8 text", e);
    }
    ArrayNode out = NODES.arrayNode();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (i == 0 && line.startsWith("#") || line.isBlank()) {
        continue;
      }
      out.add(line);
    }
    return out;
  }

  private static ObjectNode token(String content, JsonNode id, boolean lstrip, boolean rstrip) {
    ObjectNode t = NODES.objectNode();
    t.set("id", id);
    t.put("content", content);
    t.put("lstrip", lstrip);
    t.put("rstrip", rstrip);
    return t;
  }

  private static ArrayNode pair(String token, JsonNode vocab, Map<String, ObjectNode> added) {
    JsonNode id = vocab.get(token) != null ? vocab.get(token) : added.get(token).get("id");
    return NODES.arrayNode().add(token).add(id);
  }
}
