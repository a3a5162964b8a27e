package dev.attn4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attn4j.models.BertModel;
import dev.attn4j.models.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import picocli.CommandLine.Option;

/** Where the texts come from: {@code --text} (with an optional {@code --text-pair}) or a JSONL file. */
final class InputOptions {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--text", description = "Text to process (repeatable).")
  List<String> texts;

  @Option(names = "--text-pair", description = "Second segment for a single --text (sentence pairs).")
  String textPair;

  @Option(names = "--input", description = "JSONL file: {\"text\": ...}, {\"text\": ..., \"text_pair\": ...} or {\"input_ids\": [...], \"token_type_ids\": [...], \"attention_mask\": [...]} per line.")
  Path input;

  /** Truncation is reported on stderr, once per row for the first few rows and as a count at the end of a file. */
  private static final int TRUNCATION_NOTES = 3;

  private int truncatedRows;

  /** Rows, read lazily from a file; caller-given ids are validated against the model, never changed. */
  Iterator<Item> items(BertModel model, int maxLength) throws IOException {
    boolean hasTexts = texts != null && !texts.isEmpty();
    if (hasTexts == (input != null)) {
      throw new IllegalArgumentException("give either --text (one or more) or --input FILE.jsonl");
    }
    if (textPair != null && (!hasTexts || texts.size() != 1)) {
      throw new IllegalArgumentException("--text-pair needs exactly one --text");
    }
    Tokenizer tok = model.tokenizer();
    if (hasTexts) {
      List<Item> items = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        items.add(noteTruncation("--text " + (i + 1), Item.of(i + 1, texts.get(i), textPair, tok.encode(texts.get(i), textPair, maxLength)), maxLength));
      }
      return items.iterator();
    }
    if (!Files.isRegularFile(input)) {
      throw new IllegalArgumentException("--input " + input + ": no such file");
    }
    BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8);
    return new Iterator<>() {
      private int line;
      private Item next = advance();

      private Item advance() {
        try {
          String s;
          while ((s = reader.readLine()) != null) {
            line++;
            if (!s.isBlank()) {
              return parse(model, maxLength, s, line);
            }
          }
          reader.close();
          if (truncatedRows > TRUNCATION_NOTES) {
            System.err.printf("warning: %s: %d rows in all were truncated to %d tokens%n", input, truncatedRows, maxLength);
          }
          return null;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public Item next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        Item i = next;
        next = advance();
        return i;
      }
    };
  }

  private Item noteTruncation(String where, Item item, int maxLength) {
    if (item.encoding().truncated() && ++truncatedRows <= TRUNCATION_NOTES) {
      System.err.printf("warning: %s: truncated to %d tokens (see --max-length)%n", where, maxLength);
    }
    return item;
  }

  private Item parse(BertModel model, int maxLength, String s, int line) {
    String where = input + ":" + line;
    JsonNode n;
    try {
      n = JSON.readTree(s);
    } catch (JsonProcessingException e) {
      throw new DataException(where + ": not valid JSON: " + e.getOriginalMessage());
    }
    if (n == null || !n.isObject()) {
      throw new DataException(where + ": each line must be a JSON object");
    }
    if (n.has("text")) {
      if (!n.get("text").isTextual() || n.has("text_pair") && !n.get("text_pair").isTextual() && !n.get("text_pair").isNull()) {
        throw new DataException(where + ": \"text\" and \"text_pair\" must be strings");
      }
      String pair = n.hasNonNull("text_pair") ? n.get("text_pair").asText() : null;
      String text = n.get("text").asText();
      return noteTruncation(where, Item.of(line, text, pair, model.tokenizer().encode(text, pair, maxLength)), maxLength);
    }
    if (!n.has("input_ids")) {
      throw new DataException(where + ": needs \"text\" or \"input_ids\"");
    }
    int[] ids = ints(where, n.get("input_ids"), "input_ids");
    int[] types = n.has("token_type_ids") ? ints(where, n.get("token_type_ids"), "token_type_ids") : new int[ids.length];
    int[] mask = n.has("attention_mask") ? ints(where, n.get("attention_mask"), "attention_mask") : null;
    if (mask == null) {
      mask = new int[ids.length];
      java.util.Arrays.fill(mask, 1);
    }
    if (ids.length == 0) {
      throw new DataException(where + ": input_ids is empty");
    }
    if (types.length != ids.length || mask.length != ids.length) {
      throw new DataException(where + ": input_ids, token_type_ids and attention_mask must have the same length (" + ids.length + ", " + types.length
          + ", " + mask.length + ")");
    }
    if (ids.length > model.config().maxSequenceLength()) {
      throw new DataException(where + ": " + ids.length + " tokens exceed the model's longest sequence " + model.config().maxSequenceLength()
          + " (caller-given ids are never truncated)");
    }
    List<String> tokens = new ArrayList<>();
    for (int j = 0; j < ids.length; j++) {
      if (ids[j] < 0 || ids[j] >= model.config().vocabSize()) {
        throw new DataException(where + ": input_ids position " + j + " = " + ids[j] + " is outside the vocabulary [0, " + model.config().vocabSize() + ")");
      }
      if (types[j] < 0 || types[j] >= model.config().typeVocabSize()) {
        throw new DataException(where + ": token_type_ids position " + j + " = " + types[j] + " is outside [0, " + model.config().typeVocabSize() + ")");
      }
      if (mask[j] != 0 && mask[j] != 1) {
        throw new DataException(where + ": attention_mask position " + j + " = " + mask[j] + " must be 0 or 1");
      }
      tokens.add(model.tokenizer().token(ids[j]));
    }
    return new Item(line, List.of(), null, ids, types, mask, tokens);
  }

  private static int[] ints(String where, JsonNode a, String name) {
    if (a == null || !a.isArray()) {
      throw new DataException(where + ": \"" + name + "\" must be an array of integers");
    }
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = a.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw new DataException(where + ": \"" + name + "\" position " + i + " = " + v + " is not a 32-bit integer");
      }
      out[i] = v.asInt();
    }
    return out;
  }
}
