package dev.attn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.api.BackendRegistry;
import dev.attn4j.api.BackendUnavailableException;
import dev.attn4j.spi.Availability;
import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import dev.attn4j.spi.BackendProvider;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendRegistryTest {
  private record Fake(String name, int priority, Availability availability) implements BackendProvider {
    @Override
    public Backend create(BackendOptions options) {
      return new NaiveGemmBackend();
    }
  }

  private final BackendRegistry registry = BackendRegistry.of(List.of(
      new Fake("slow", 0, Availability.available("always")),
      new Fake("fast", 10, Availability.unavailable("libfast.so.1 not found in /usr/lib or -Dfast.library")),
      new Fake("mid", 5, Availability.available("ok"))));

  @Test
  void bestIsHighestPriorityAvailable() {
    assertEquals(List.of("fast", "mid", "slow"), registry.providers().stream().map(BackendProvider::name).toList());
    assertEquals(List.of("mid", "slow"), registry.available().stream().map(BackendProvider::name).toList());
    try (Backend b = registry.open("SLOW", BackendOptions.defaults())) {
      assertEquals("naive", b.name());
    }
  }

  @Test
  void unknownOrUnavailableNamesExplainEverything() {
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> registry.open("cuda", BackendOptions.defaults()));
    assertTrue(e.getMessage().contains("unknown backend 'cuda'"), e.getMessage());
    assertTrue(e.getMessage().contains("fast") && e.getMessage().contains("libfast.so.1 not found") && e.getMessage().contains("mid"), e.getMessage());
    BackendUnavailableException u = assertThrows(BackendUnavailableException.class, () -> registry.open("fast", BackendOptions.defaults()));
    assertTrue(u.getMessage().contains("'fast' is unavailable: libfast.so.1 not found"), u.getMessage());
    BackendUnavailableException none = assertThrows(BackendUnavailableException.class,
        () -> BackendRegistry.of(List.of()).best(BackendOptions.defaults()));
    assertTrue(none.getMessage().contains("No backend providers"), none.getMessage());
  }

  @Test
  void systemPropertyChoosesTheDefault() {
    String old = System.getProperty(BackendRegistry.PROPERTY);
    try {
      System.setProperty(BackendRegistry.PROPERTY, "slow");
      assertEquals("slow", BackendRegistry.defaultName().orElseThrow());
      System.setProperty(BackendRegistry.PROPERTY, "nope");
      assertThrows(BackendUnavailableException.class, () -> registry.openDefault(BackendOptions.defaults()));
    } finally {
      if (old == null) {
        System.clearProperty(BackendRegistry.PROPERTY);
      } else {
        System.setProperty(BackendRegistry.PROPERTY, old);
      }
    }
  }

  @Test
  void duplicateNamesAreRejected() {
    assertThrows(IllegalStateException.class, () -> BackendRegistry.of(List.of(new Fake("a", 0, Availability.available("")),
        new Fake("a", 1, Availability.available("")))));
  }

  @Test
  void optionsValidateThreads() {
    assertThrows(IllegalArgumentException.class, () -> BackendOptions.defaults().withThreads(-1));
    assertEquals(Runtime.getRuntime().availableProcessors(), BackendOptions.defaults().threads());
    assertEquals("x", BackendOptions.defaults().with("k", "x").property("k").orElseThrow());
  }
}
