package dev.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code attn4j classify} against the sequence- and token-classification goldens of synthetic-bert-heads: the
 * labels and probabilities Hugging Face computed, and the entities its "simple" aggregation forms from them.
 */
class ClassifyCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  /** The golden's inputs as a JSONL file, one row per batch row. */
  private Path input(JsonNode golden) throws IOException {
    List<String> lines = new ArrayList<>();
    for (JsonNode in : golden.path("inputs")) {
      var row = JSON.createObjectNode().put("text", in.path("text").asText());
      if (in.hasNonNull("text_pair")) {
        row.put("text_pair", in.path("text_pair").asText());
      }
      lines.add(JSON.writeValueAsString(row));
    }
    return Files.write(Files.createTempFile(dir, "in", ".jsonl"), lines);
  }

  private static List<Path> cases(String task) throws IOException {
    Path golden = CliRun.refs("synthetic-bert-heads/golden/public/" + task);
    List<Path> out = new ArrayList<>();
    for (JsonNode c : JSON.readTree(golden.resolve("index.json").toFile()).path("cases")) {
      out.add(golden.resolve(c.path("file").asText()));
    }
    return out;
  }

  private JsonNode classify(String model, Path input, String... more) throws IOException {
    List<String> args = new ArrayList<>(List.of("classify", "--model", CliRun.refs("synthetic-bert-heads/" + model).toString(), "--input", input.toString(),
        "--backend", "java", "--json", "--batch-size", "2"));
    args.addAll(List.of(more));
    CliRun.Captured run = CliRun.capture(false, args.toArray(String[]::new));
    assertEquals(0, run.status(), run.text());
    return JSON.readTree(run.text());
  }

  @Test
  void sequenceLabelsAndProbabilitiesMatchTheGoldens() throws IOException {
    for (Path c : cases("seqcls")) {
      JsonNode g = JSON.readTree(c.toFile());
      JsonNode got = classify("seqcls", input(g)).path("predictions");
      assertEquals(g.path("inputs").size(), got.size(), c.toString());
      for (int b = 0; b < got.size(); b++) {
        JsonNode row = got.get(b);
        assertEquals(g.path("predicted_label").get(b).asText(), row.path("label").asText(), c + " row " + b);
        assertEquals(3, row.path("labels").size());
        for (JsonNode l : row.path("labels")) {
          int id = l.path("id").asInt();
          assertEquals(g.path("id2label").path(String.valueOf(id)).asText(), l.path("label").asText());
          assertEquals(g.path("probabilities").get(b).get(id).asDouble(), l.path("score").asDouble(), 1e-5, c + " row " + b + " label " + id);
          assertEquals(g.path("logits").get(b).get(id).asDouble(), l.path("logit").asDouble(), 1e-4, c + " row " + b + " logit " + id);
        }
      }
    }
    JsonNode top = classify("seqcls", input(JSON.readTree(cases("seqcls").getFirst().toFile())), "--top-k", "1").path("predictions").get(0);
    assertEquals(1, top.path("labels").size());
  }

  @Test
  void tokenLabelsAndEntitiesMatchTheGoldens() throws IOException {
    int entities = 0;
    for (Path c : cases("tokcls")) {
      JsonNode g = JSON.readTree(c.toFile());
      JsonNode got = classify("tokcls", input(g)).path("predictions");
      for (int b = 0; b < got.size(); b++) {
        JsonNode tokens = got.get(b).path("tokens");
        List<String> labels = new ArrayList<>();
        int k = 0;
        for (int t = 0; t < g.path("lengths").get(b).asInt(); t++) {
          String token = g.path("tokens").get(b).get(t).asText();
          if (token.equals("[CLS]") || token.equals("[SEP]")) {
            continue;
          }
          JsonNode mine = tokens.get(k++);
          assertEquals(t, mine.path("index").asInt(), c + " row " + b);
          assertEquals(token, mine.path("token").asText());
          String label = g.path("predicted_label").get(b).get(t).asText();
          labels.add(label);
          assertEquals(label, mine.path("label").asText(), c + " row " + b + " token " + t);
          double p = g.path("probabilities").get(b).get(t).get(g.path("predicted_id").get(b).get(t).asInt()).asDouble();
          assertEquals(p, mine.path("score").asDouble(), 1e-5, c + " row " + b + " token " + t);
        }
        assertEquals(k, tokens.size(), "special tokens are not labelled");
        List<String> expected = expectedEntities(g, b);
        List<String> actual = new ArrayList<>();
        for (JsonNode e : got.get(b).path("entities")) {
          actual.add(e.path("group").asText() + " " + e.path("segment").asInt() + " " + e.path("start").asInt() + "-" + e.path("end").asInt() + " " + e.path("text").asText());
        }
        assertEquals(expected, actual, c + " row " + b + " labels " + labels);
        entities += actual.size();
      }
    }
    assertTrue(entities > 0, "the goldens hold entities to group");
  }

  /**
   * Hugging Face's simple aggregation written out over the golden labels: B- starts an entity, I- of the same type
   * continues it, anything else ends it; O is dropped; specials end it; spans from the golden offsets.
   */
  private static List<String> expectedEntities(JsonNode g, int b) {
    List<String> out = new ArrayList<>();
    JsonNode in = g.path("inputs").get(b);
    String type = null;
    int segment = 0;
    int start = 0;
    int end = 0;
    int currentSegment = 0;
    int length = g.path("lengths").get(b).asInt();
    for (int t = 0; t <= length; t++) {
      String token = t < length ? g.path("tokens").get(b).get(t).asText() : "[SEP]";
      boolean special = token.equals("[CLS]") || token.equals("[SEP]");
      String label = special ? null : g.path("predicted_label").get(b).get(t).asText();
      String tag = label == null ? null : label.contains("-") ? label.substring(2) : label;
      boolean continues = type != null && label != null && !label.startsWith("B-") && tag.equals(type);
      if (type != null && !continues) {
        if (!type.equals("O")) {
          String text = segment == 0 ? in.path("text").asText() : in.path("text_pair").asText();
          out.add(type + " " + segment + " " + start + "-" + end + " " + text.substring(start, end));
        }
        type = null;
      }
      if (token.equals("[SEP]")) {
        currentSegment++;
      }
      if (special) {
        continue;
      }
      if (type == null) {
        type = tag;
        segment = currentSegment;
        start = g.path("offsets").get(b).get(t).get(0).asInt();
      }
      end = g.path("offsets").get(b).get(t).get(1).asInt();
    }
    return out;
  }

  @Test
  void aMissingHeadOrBadOptionIsAnErrorLine() {
    CliRun.Captured run = CliRun.capture(true, "classify", "--model", CliRun.refs("synthetic-bert-tiny").toString(), "--text", "hello", "--backend", "java");
    assertEquals(1, run.status());
    assertTrue(run.text().contains("error: the checkpoint has no sequence-classification head"), run.text());
    run = CliRun.capture(true, "classify", "--model", CliRun.refs("synthetic-bert-heads/seqcls").toString(), "--text", "hello", "--tokens", "--backend", "java");
    assertTrue(run.status() != 0 && run.text().contains("no token-classification head (it has: sequence-classification)"), run.text());
    run = CliRun.capture(true, "classify", "--model", CliRun.refs("synthetic-bert-heads/seqcls").toString(), "--text", "hello", "--top-k", "0");
    assertTrue(run.status() != 0 && run.text().contains("--top-k must be >= 1"), run.text());
    // Text output: one line per input.
    run = CliRun.capture(false, "classify", "--model", CliRun.refs("synthetic-bert-heads/tokcls").toString(), "--text", "John lives in Paris",
        "--text", "nothing here", "--backend", "java");
    assertEquals(0, run.status());
    assertEquals(2, run.text().lines().count(), run.text());
  }
}
