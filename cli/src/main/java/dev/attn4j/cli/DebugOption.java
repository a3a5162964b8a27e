package dev.attn4j.cli;

import picocli.CommandLine.Option;

/** {@code --debug}: print stack traces of errors (otherwise one {@code error:} line). */
final class DebugOption {
  @Option(names = "--debug", description = "Print the stack trace of an error.")
  boolean debug;
}
