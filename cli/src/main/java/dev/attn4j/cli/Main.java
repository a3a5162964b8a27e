package dev.attn4j.cli;

import dev.attn4j.api.BackendUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code attn4j}: parses the command line and maps failures to clear messages and exit codes. */
@Command(name = "attn4j", mixinStandardHelpOptions = true, version = "attn4j 0.1.0-SNAPSHOT",
    description = "Transformer attention and BERT-style encoders on pluggable backends.",
    subcommands = {DemoCommand.class, BackendsCommand.class})
public final class Main implements Runnable {
  /** Exit status for bad input (unknown backend, wrong arguments). */
  static final int USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Runs the tool and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the tool and returns its exit status (for tests). */
  static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof BackendUnavailableException || e instanceof IllegalArgumentException) {
        cmd.getErr().println("attn4j: " + e.getMessage());
        return USAGE;
      }
      throw e;
    });
    return cl.execute(args);
  }
}
