package dev.attn4j.api.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserCacheTest {
  @TempDir Path root;

  @Test
  void contentKeysKeepTheirFormatSoExistingFoldersStayValid() {
    // Native extractions already in users' caches were keyed with this text: name, size, hex checksum per part.
    byte[] text = ("libdnnl.so.3\0" + "123\0" + "abcdef\n" + "libgomp.so.1\0" + "7\0" + "ff\n").getBytes(StandardCharsets.UTF_8);
    CRC32 crc = new CRC32();
    crc.update(text);
    CRC32C crcC = new CRC32C();
    crcC.update(text);
    String expected = HexFormat.of().toHexDigits(crc.getValue() << 32 | crcC.getValue());
    assertEquals(expected, UserCache.contentKey(List.of(new UserCache.Content("libdnnl.so.3", 123, 0xabcdef), new UserCache.Content("libgomp.so.1", 7, 0xff))));
  }

  @Test
  void anyChangeToAPartChangesTheKey() {
    UserCache.Content a = new UserCache.Content("model.onnx", 1000, 42);
    UserCache.Content b = new UserCache.Content("tokenizer.json", 10, 7);
    Set<String> keys = new HashSet<>();
    for (List<UserCache.Content> parts : List.of(List.of(a, b), List.of(b, a), List.of(a), List.of(new UserCache.Content("model.onnx", 1001, 42), b),
        List.of(new UserCache.Content("model.onnx", 1000, 43), b), List.of(new UserCache.Content("other.onnx", 1000, 42), b))) {
      assertTrue(keys.add(UserCache.contentKey(parts)), "a second key for " + parts);
    }
    assertEquals(UserCache.contentKey(List.of(a, b)), UserCache.contentKey(List.of(new UserCache.Content("model.onnx", 1000, 42), b)));
  }

  @Test
  void fileContentIsTheSizeAndBothChecksums() throws IOException {
    byte[] bytes = new byte[3 << 20]; // several read buffers
    new Random(1).nextBytes(bytes);
    Path f = Files.write(root.resolve("data.bin"), bytes);
    CRC32 crc = new CRC32();
    crc.update(bytes);
    CRC32C crcC = new CRC32C();
    crcC.update(bytes);
    assertEquals(new UserCache.Content("w", bytes.length, crc.getValue() << 32 | crcC.getValue()), UserCache.fileContent("w", f));
    bytes[bytes.length / 2] ^= 1;
    Files.write(f, bytes);
    assertNotEquals(crc.getValue() << 32 | crcC.getValue(), UserCache.fileContent("w", f).checksum(), "one flipped bit changes the checksum");
  }

  @Test
  void zipContentIsWhatAZipDirectoryWouldRecord() throws IOException {
    byte[] bytes = new byte[200_000];
    new Random(2).nextBytes(bytes);
    CRC32 crc = new CRC32();
    crc.update(bytes);
    assertEquals(new UserCache.Content("e", bytes.length, crc.getValue()), UserCache.zipContent("e", new ByteArrayInputStream(bytes)));
  }

  @Test
  void fillsOnceAndReusesAfterwards() throws IOException {
    AtomicInteger fills = new AtomicInteger();
    UserCache.Filler filler = dir -> {
      fills.incrementAndGet();
      Files.writeString(dir.resolve("a.txt"), "hello");
    };
    Path first = UserCache.directory(root, "native", "lib-abc", filler);
    Path second = UserCache.directory(root, "native", "lib-abc", filler);
    assertEquals(first, second);
    assertEquals(1, fills.get());
    assertEquals("hello", Files.readString(first.resolve("a.txt")));
    assertEquals(List.of("lib-abc"), names(root.resolve("native")), "no temporary folder left behind");
  }

  @Test
  void racingWritersPublishOneIntactCopy() throws Exception {
    int writers = 8;
    byte[] payload = new byte[1 << 20];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 31);
    }
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<Path>> results = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        results.add(pool.submit(() -> {
          start.await();
          return UserCache.directory(root, "native", "race", dir -> {
            // Written in pieces, so a reader of a half-written folder would see a short file.
            try (var out = Files.newOutputStream(dir.resolve("lib.so"))) {
              for (int off = 0; off < payload.length; off += 4096) {
                out.write(payload, off, 4096);
                Thread.onSpinWait();
              }
            }
          });
        }));
      }
      start.countDown();
      Set<Path> dirs = new HashSet<>();
      for (Future<Path> f : results) {
        Path dir = f.get();
        dirs.add(dir);
        // Every caller may use its result immediately: the file is complete.
        assertTrue(java.util.Arrays.equals(payload, Files.readAllBytes(dir.resolve("lib.so"))));
      }
      assertEquals(1, dirs.size());
      assertEquals(List.of("race"), names(root.resolve("native")), "losers clean up their temporary folders");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void failedFillPublishesNothing() {
    assertThrows(IOException.class, () -> UserCache.directory(root, "native", "broken", dir -> {
      Files.writeString(dir.resolve("half"), "x");
      throw new IOException("disk full");
    }));
    assertFalse(Files.exists(root.resolve("native/broken")));
    assertEquals(List.of(), names(root.resolve("native")));
  }

  @Test
  void rejectsPathLikeKeys() {
    assertThrows(IllegalArgumentException.class, () -> UserCache.directory(root, "native", "../escape", dir -> {}));
    assertThrows(IllegalArgumentException.class, () -> UserCache.directory(root, "a/b", "k", dir -> {}));
    assertThrows(IllegalArgumentException.class, () -> UserCache.directory(root, "native", ".hidden", dir -> {}));
  }

  @Test
  void aFamilysFoldersUnusedForThirtyDaysGoWhenAnotherMemberIsUsed() throws IOException {
    Path dir = root.resolve("native");
    aged(dir.resolve("lib-old"), 31);
    aged(dir.resolve("lib-recent"), 29);
    aged(dir.resolve("other-old"), 90);
    aged(dir.resolve(".tmp-lib-new-123"), 2);
    aged(dir.resolve(".tmp-lib-new-456"), 0);
    UserCache.directory(root, "native", "lib-new", "lib-", d -> {});
    assertEquals(List.of(".tmp-lib-new-456", "lib-new", "lib-recent", "other-old"), names(dir),
        "the family's folder unused for 31 days and its fill abandoned 2 days ago are gone; other families and "
            + "a fill that may still be running stay");
  }

  @Test
  void aUseRecordsItselfAndLooksOverTheFamilyOnceADay() throws IOException {
    Path dir = root.resolve("native");
    UserCache.directory(root, "native", "lib-new", "lib-", d -> {});
    aged(dir.resolve("lib-old"), 40);
    UserCache.directory(root, "native", "lib-new", "lib-", d -> {});
    assertTrue(Files.isDirectory(dir.resolve("lib-old")), "used again within the day: no look-over yet");
    aged(dir.resolve("lib-new"), 2);
    UserCache.directory(root, "native", "lib-new", "lib-", d -> {});
    assertFalse(Files.exists(dir.resolve("lib-old")), "the first use in a day looks the family over");
    assertTrue(Files.getLastModifiedTime(dir.resolve("lib-new")).toInstant().isAfter(Instant.now().minus(Duration.ofHours(1))),
        "the use is recorded");
  }

  @Test
  void aKeyOutsideItsFamilyIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> UserCache.directory(root, "native", "lib-new", "other-", d -> {}));
  }

  /** A folder last modified {@code days} ago. */
  private static void aged(Path dir, int days) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("f"), "x");
    Files.setLastModifiedTime(dir, FileTime.from(Instant.now().minus(Duration.ofDays(days))));
  }

  private static List<String> names(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
