package dev.attn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MainTest {
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
