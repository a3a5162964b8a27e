package dev.attn4j.spi.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The search order and its report, with fake openers (no real native library is opened here). */
class NativeLibraryLocatorTest {
  private static final SymbolLookup STUB = name -> Optional.<MemorySegment>empty();
  private static final Function<String, SymbolLookup> NOTHING_ON_SYSTEM = name -> {
    throw new IllegalArgumentException("Cannot open library: " + name);
  };

  private static NativeLibrarySpec spec(String property, String resourceDir) {
    return new NativeLibrarySpec("Fake", property, List.of("libfake.so.1", "libfake.so"), resourceDir, List.of("libdep.so.1", "libmain.so.1"));
  }

  @Test
  void explicitPathWinsAndIsNeverSilentlyReplaced() {
    String prop = "attn4j.test.fake.library.missing";
    System.setProperty(prop, "/nonexistent/libfake.so");
    try {
      var e = assertThrows(NativeLibraryNotFoundException.class,
          () -> NativeLibraryLocator.load(spec(prop, "dev/attn4j/spi/natives/fakelib"), getClass().getClassLoader(), name -> STUB, path -> STUB));
      assertTrue(e.getMessage().contains("-D" + prop + "=/nonexistent/libfake.so"), e.getMessage());
    } finally {
      System.clearProperty(prop);
    }
  }

  @Test
  void explicitPathThatExistsIsOpened() throws Exception {
    String prop = "attn4j.test.fake.library.present";
    Path file = Files.createTempFile("libfake", ".so");
    System.setProperty(prop, file.toString());
    try {
      LoadedLibrary lib = NativeLibraryLocator.load(spec(prop, "none"), getClass().getClassLoader(), NOTHING_ON_SYSTEM, path -> STUB);
      assertEquals(LoadedLibrary.Source.PROPERTY, lib.source());
      assertEquals(file.toString(), lib.location());
    } finally {
      System.clearProperty(prop);
      Files.delete(file);
    }
  }

  @Test
  void systemLoaderComesBeforeTheBundle() throws Exception {
    List<String> asked = new ArrayList<>();
    LoadedLibrary lib = NativeLibraryLocator.load(spec("attn4j.test.unset", "dev/attn4j/spi/natives/fakelib"), getClass().getClassLoader(), name -> {
      asked.add(name);
      if (name.equals("libfake.so")) {
        return STUB;
      }
      throw new IllegalArgumentException("Cannot open library: " + name);
    }, path -> {
      throw new AssertionError("bundle must not be used when the system has the library");
    });
    assertEquals(List.of("libfake.so.1", "libfake.so"), asked);
    assertEquals(LoadedLibrary.Source.SYSTEM, lib.source());
    assertEquals("libfake.so", lib.location());
  }

  @Test
  void bundledFilesAreExtractedOnceAndOpenedInLoadOrder() throws Exception {
    List<Path> opened = new ArrayList<>();
    NativeLibrarySpec spec = spec("attn4j.test.unset", "dev/attn4j/spi/natives/fakelib");
    LoadedLibrary lib = NativeLibraryLocator.load(spec, getClass().getClassLoader(), NOTHING_ON_SYSTEM, path -> {
      opened.add(path);
      return STUB;
    });
    assertEquals(LoadedLibrary.Source.BUNDLED, lib.source());
    assertEquals(2, opened.size());
    assertEquals("libdep.so.1", opened.get(0).getFileName().toString());
    assertEquals("libmain.so.1", opened.get(1).getFileName().toString());
    assertEquals("main library bytes\n", Files.readString(opened.get(1)));
    assertTrue(opened.get(1).getParent().getFileName().toString().startsWith("fake-"), "keyed by name and content hash: " + opened.get(1));
    opened.clear();
    NativeLibraryLocator.load(spec, getClass().getClassLoader(), NOTHING_ON_SYSTEM, path -> {
      opened.add(path);
      return STUB;
    });
    assertEquals(lib.location(), opened.get(1).toString(), "the same content maps to the same cache folder");
  }

  @Test
  void anotherBuildOfTheSameFilesGetsItsOwnCacheFolder() throws Exception {
    Path first = NativeLibraryLocator.extract(spec("attn4j.test.unset", "dev/attn4j/spi/natives/fakelib"), getClass().getClassLoader());
    Path changed = NativeLibraryLocator.extract(spec("attn4j.test.unset", "dev/attn4j/spi/natives/fakelib-changed"), getClass().getClassLoader());
    assertNotEquals(first, changed, "same names and sizes, one file's content differs");
    assertEquals("main library BYTES\n", Files.readString(changed.resolve("libmain.so.1")));
    assertEquals("main library bytes\n", Files.readString(first.resolve("libmain.so.1")));
  }

  @Test
  void extractOnlyCopiesTheBundleIntoTheCache() throws Exception {
    NativeLibrarySpec spec = spec("attn4j.test.unset", "dev/attn4j/spi/natives/fakelib");
    Path dir = NativeLibraryLocator.extract(spec, getClass().getClassLoader());
    assertTrue(Files.isRegularFile(dir.resolve("libdep.so.1")));
    assertEquals("main library bytes\n", Files.readString(dir.resolve("libmain.so.1")));
    assertEquals(dir, NativeLibraryLocator.extract(spec, getClass().getClassLoader()), "the same content maps to the same cache folder");
    assertNull(NativeLibraryLocator.extract(spec("attn4j.test.unset", "no/such/dir"), getClass().getClassLoader()));
  }

  @Test
  void nothingFoundNamesEverythingTried() {
    var e = assertThrows(NativeLibraryNotFoundException.class, () -> NativeLibraryLocator.load(spec("attn4j.test.unset", "no/such/dir"),
        getClass().getClassLoader(), NOTHING_ON_SYSTEM, path -> STUB));
    String m = e.getMessage();
    for (String expected : List.of("Fake not found", "-Dattn4j.test.unset (not set)", "libfake.so.1", "libfake.so (Cannot open library",
        "no/such/dir/libmain.so.1")) {
      assertTrue(m.contains(expected), "'" + expected + "' missing from: " + m);
    }
  }

  @Test
  void specRejectsPathsAsBundledNames() {
    assertThrows(IllegalArgumentException.class, () -> new NativeLibrarySpec("x", "p", List.of(), "d", List.of("../evil.so")));
    assertThrows(IllegalArgumentException.class, () -> new NativeLibrarySpec("x", "p", List.of(), "d", List.of()));
  }
}
