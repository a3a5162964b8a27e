package dev.attn4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Running the CLI in process for tests: its exit status and what it printed; the reference data beside the repo. */
final class CliRun {
  private CliRun() {}

  /** Exit status and what a command wrote to stdout or stderr. */
  record Captured(int status, String text) {}

  /** Runs {@code args} and captures stderr ({@code stderr} true) or stdout. */
  static Captured capture(boolean stderr, String... args) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream saved = stderr ? System.err : System.out;
    PrintStream into = new PrintStream(buf, true, StandardCharsets.UTF_8);
    if (stderr) {
      System.setErr(into);
    } else {
      System.setOut(into);
    }
    try {
      int status = Main.run(args);
      return new Captured(status, buf.toString(StandardCharsets.UTF_8));
    } finally {
      if (stderr) {
        System.setErr(saved);
      } else {
        System.setOut(saved);
      }
    }
  }

  /** Reference model {@code model} of {@code ../shared/refs} (or {@code -Dattn4j.refs}); fails loudly when missing. */
  static Path refs(String model) {
    Path p = Path.of(System.getProperty("attn4j.refs", "../../shared/refs")).resolve(model);
    if (!Files.isDirectory(p)) {
      throw new AssertionError("reference data not found at " + p.toAbsolutePath());
    }
    return p;
  }
}
