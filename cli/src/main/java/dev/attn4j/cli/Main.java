package dev.attn4j.cli;

import dev.attn4j.api.BackendUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code attn4j}: parses the command line and maps failures to one {@code error:} line on
 * stderr and an exit status: 2 for bad usage (unknown option or backend, invalid value), 1 for bad data or a
 * failed run (malformed model or input file). {@code --debug} adds the stack trace.
 */
@Command(name = "attn4j", mixinStandardHelpOptions = true, version = "attn4j 0.1.0-SNAPSHOT",
    description = "Transformer attention and BERT-style encoders on pluggable backends.")
public final class Main implements Runnable {
  /**
   * The subcommands, in the order help lists them. picocli reflects over a command's options when the command is
   * added, ~250 ms for all of them on a cold JVM (most of the CLI's start before a model loads), so a run that names its
   * subcommand builds only that one; help, a missing or a mistyped subcommand build them all.
   */
  static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

  /** Exit status for bad usage (unknown backend, wrong arguments). */
  static final int USAGE = 2;
  /** Exit status for bad data or a failed run. */
  static final int FAILED = 1;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  private static Map<String, Supplier<Object>> subcommands() {
    Map<String, Supplier<Object>> m = new LinkedHashMap<>();
    m.put("demo", DemoCommand::new);
    m.put("backends", BackendsCommand::new);
    m.put("tokenize", TokenizeCommand::new);
    m.put("encode", EncodeCommand::new);
    m.put("embed", EmbedCommand::new);
    m.put("fill-mask", FillMaskCommand::new);
    m.put("qa", QaCommand::new);
    m.put("classify", ClassifyCommand::new);
    m.put("convert", ConvertCommand::new);
    m.put("conformance", ConformanceCommand::new);
    m.put("bench", BenchCommand::new);
    return Collections.unmodifiableMap(m);
  }

  /** Runs the tool and exits with its status. */
  public static void main(String[] args) {
    // The SDK's System.Logger warnings (e.g. weights a model does not use) as one line each, like the tool's own
    // messages, instead of java.util.logging's two-line default with a timestamp; a user's own format wins.
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
    }
    System.exit(run(args));
  }

  /** Runs the tool and returns its exit status (for tests). */
  static int run(String... args) {
    boolean debug = Arrays.asList(args).contains("--debug");
    CommandLine cl = new CommandLine(new Main());
    Supplier<Object> named = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
    if (named != null) {
      cl.addSubcommand(args[0], named.get());
    } else {
      SUBCOMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
    }
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler((e, a) -> {
      e.getCommandLine().getErr().println("error: " + e.getMessage());
      e.getCommandLine().getErr().println("(see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
      return USAGE;
    });
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      int status = e instanceof BackendUnavailableException || e instanceof IllegalArgumentException ? USAGE : FAILED;
      Throwable shown = e instanceof UncheckedIOException u ? u.getCause() : e;
      String message = shown.getMessage() == null ? shown.getClass().getSimpleName() : shown.getMessage();
      if (!(shown instanceof IOException || shown instanceof DataException || shown instanceof IllegalArgumentException
          || shown instanceof IllegalStateException || shown instanceof BackendUnavailableException)) {
        message = shown.getClass().getSimpleName() + ": " + message;
      }
      cmd.getErr().println("error: " + message.replace('\n', ' '));
      if (debug) {
        e.printStackTrace(cmd.getErr());
      }
      return status;
    });
    return cl.execute(args);
  }
}
