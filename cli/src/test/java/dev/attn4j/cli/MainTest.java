package dev.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
  @Test
  void everySubcommandIsRegisteredUnderItsOwnNameAndListedInHelp() {
    for (var e : Main.SUBCOMMANDS.entrySet()) {
      assertEquals(e.getKey(), new CommandLine(e.getValue().get()).getCommandName());
    }
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.run("--help"));
    } finally {
      System.setOut(saved);
    }
    String help = out.toString(StandardCharsets.UTF_8);
    for (String name : Main.SUBCOMMANDS.keySet()) {
      assertTrue(help.contains("  " + name + " "), name + " missing from\n" + help);
    }
  }

  @Test
  void demoRunsOnATinyEncoder() {
    assertEquals(0, Main.run("demo", "--synthetic", "--layers", "1", "--hidden", "32", "--heads", "4", "--seq", "8", "--threads", "1"));
  }

  @Test
  void badArgumentsExitNonZero() {
    assertEquals(Main.USAGE, Main.run("demo", "--synthetic", "--hidden", "30", "--heads", "4"));
    assertEquals(Main.USAGE, Main.run("demo", "--synthetic", "--seq", "0"));
    assertEquals(Main.USAGE, Main.run("no-such-command"));
  }

  @Test
  void listsBackends() {
    assertEquals(0, Main.run("backends"));
  }
}
