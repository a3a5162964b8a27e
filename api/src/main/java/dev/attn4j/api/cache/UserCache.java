package dev.attn4j.api.cache;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/**
 * attn4j's per-user cache of derived files (extracted native libraries, converted models), one immutable
 * folder per content key.
 *
 * <p>The root is the system property {@value #PROPERTY} if set, else {@code $XDG_CACHE_HOME/attn4j}, else
 * {@code ~/.cache/attn4j}. A folder is written under a temporary name and published with one atomic rename,
 * so a reader sees either nothing or the complete folder, and two processes filling the same key at once
 * both end up using one intact copy.
 *
 * <p>A folder's modification time records its last use (to within {@link #TOUCH_INTERVAL}). A caller that names a
 * family of keys (e.g. every extraction of one native library, whose key changes with its version) has the family's
 * other folders deleted once unused for {@link #UNUSED_FOR}: earlier versions do not pile up, and two versions in use
 * side by side do not evict each other.
 *
 * <p>Keys come from {@link #contentKey}: what a folder is derived from, named, sized and checksummed, so that changed
 * input gets a new folder and the same input found elsewhere reuses the old one.
 *
 * <p>Thread-safe and safe across processes. Stability: experimental.
 */
public final class UserCache {
  /** System property naming the cache root. */
  public static final String PROPERTY = "attn4j.cache.dir";
  /** A family's folders unused this long are deleted when another member of the family is used. */
  public static final Duration UNUSED_FOR = Duration.ofDays(30);
  /** How often a folder in use has its modification time brought up to date (and its family looked over). */
  public static final Duration TOUCH_INTERVAL = Duration.ofDays(1);
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final System.Logger LOG = System.getLogger(UserCache.class.getName());

  private UserCache() {}

  /** Fills a fresh, empty folder; called at most once per key and process. */
  @FunctionalInterface
  public interface Filler {
    /** Writes the folder's content into {@code dir}. */
    void fill(Path dir) throws IOException;
  }

  /**
   * One input a cached folder is derived from: a name for its role, and the size and a checksum of its content. In a
   * jar the size and CRC-32 come from the zip directory, so a key over a jar's entries costs no decompression.
   */
  public record Content(String name, long size, long checksum) {}

  /**
   * A 64-bit key (16 hex digits) over each part's name, size and checksum: the CRC-32 and the CRC-32C of that text,
   * two independent checks that two different inputs would both have to collide in. Not SHA-256, which on a cold JVM
   * took 19-29 ms to set up (its security providers load first) and, over a 90 MB model jar, ~300 ms to compute.
   */
  public static String contentKey(List<Content> parts) {
    StringBuilder text = new StringBuilder();
    for (Content c : parts) {
      text.append(c.name()).append('\0').append(c.size()).append('\0').append(Long.toHexString(c.checksum())).append('\n');
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    CRC32 crc = new CRC32();
    CRC32C crcC = new CRC32C();
    crc.update(bytes, 0, bytes.length);
    crcC.update(bytes, 0, bytes.length);
    return HexFormat.of().toHexDigits(crc.getValue() << 32 | crcC.getValue());
  }

  /**
   * A file's content under {@code name}: its size and, as checksum, its CRC-32 and CRC-32C in one 64-bit value. Reads
   * the file once (both checksums are intrinsics, a few GB/s even before the JIT compiles the loop).
   */
  public static Content fileContent(String name, Path file) throws IOException {
    CRC32 crc = new CRC32();
    CRC32C crcC = new CRC32C();
    try (InputStream in = Files.newInputStream(file)) {
      return new Content(name, readInto(in, crc, crcC), crc.getValue() << 32 | crcC.getValue());
    }
  }

  /**
   * A stream's content under {@code name}: its size and CRC-32, the checksum a zip directory records, for an entry or
   * resource whose directory does not say. Reads {@code in} to its end; the caller closes it.
   */
  public static Content zipContent(String name, InputStream in) throws IOException {
    CRC32 crc = new CRC32();
    return new Content(name, readInto(in, crc), crc.getValue());
  }

  /** Reads {@code in} to its end into every checksum; returns the bytes read. */
  private static long readInto(InputStream in, Checksum... sums) throws IOException {
    byte[] buf = new byte[1 << 20];
    long size = 0;
    for (int r; (r = in.read(buf)) > 0; ) {
      for (Checksum sum : sums) {
        sum.update(buf, 0, r);
      }
      size += r;
    }
    return size;
  }

  /** The cache root (not necessarily existing yet). */
  public static Path root() {
    String explicit = System.getProperty(PROPERTY);
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "attn4j");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "attn4j");
  }

  /**
   * The folder {@code root/category/key}, created with {@code filler} if it does not exist yet.
   *
   * @param category e.g. {@code "native"}; letters, digits, {@code . _ -}
   * @param key a content hash (plus an optional readable prefix); letters, digits, {@code . _ -}
   * @throws IOException if the folder cannot be created or {@code filler} fails (nothing is published then)
   */
  public static Path directory(String category, String key, Filler filler) throws IOException {
    return directory(root(), category, key, null, filler);
  }

  /**
   * As {@link #directory(String, String, Filler)}; {@code key} belongs to the family of keys that start with {@code
   * family}, whose other folders are deleted once unused for {@link #UNUSED_FOR} (looked over when this folder is
   * created, and on its first use in each {@link #TOUCH_INTERVAL}).
   */
  public static Path directory(String category, String key, String family, Filler filler) throws IOException {
    return directory(root(), category, key, family, filler);
  }

  /** As {@link #directory(String, String, Filler)}, under an explicit cache root. */
  public static Path directory(Path root, String category, String key, Filler filler) throws IOException {
    return directory(root, category, key, null, filler);
  }

  /** As {@link #directory(String, String, String, Filler)}, under an explicit cache root; {@code family} may be null. */
  public static Path directory(Path root, String category, String key, String family, Filler filler) throws IOException {
    requireSafe("category", category);
    requireSafe("key", key);
    if (family != null && (family.isEmpty() || !key.startsWith(family))) {
      throw new IllegalArgumentException("cache key '" + key + "' is not in family '" + family + "'");
    }
    Path parent = root.resolve(category);
    Path target = parent.resolve(key);
    BasicFileAttributes existing = attributes(target);
    if (existing != null && existing.isDirectory()) {
      if (olderThan(existing.lastModifiedTime(), TOUCH_INTERVAL)) {
        touch(target);
        prune(parent, key, family);
      }
      return target;
    }
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, ".tmp-" + key + "-");
    try {
      filler.fill(tmp);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileSystemException raced) {
        // Another thread or process published the same key first (rename(2) reports ENOTEMPTY, which the
        // JDK maps to a plain FileSystemException): its copy is complete, use it.
        if (!Files.isDirectory(target)) {
          throw raced;
        }
      }
      prune(parent, key, family);
      return target;
    } finally {
      deleteTree(tmp);
    }
  }

  /**
   * Deletes the family's other folders unused for {@link #UNUSED_FOR}, and unfinished fills of the family left for
   * longer than {@link #TOUCH_INTERVAL} by a process that died. Best effort: what cannot be deleted stays.
   */
  private static void prune(Path parent, String keep, String family) {
    if (family == null) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        boolean sibling = name.startsWith(family) && !name.equals(keep);
        boolean unfinished = name.startsWith(".tmp-" + family);
        BasicFileAttributes a = sibling || unfinished ? attributes(p) : null;
        if (a != null && a.isDirectory() && olderThan(a.lastModifiedTime(), sibling ? UNUSED_FOR : TOUCH_INTERVAL)) {
          LOG.log(System.Logger.Level.DEBUG, "deleting unused cache folder {0}", p);
          deleteTree(p);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "cache clean-up in " + parent + " stopped", e);
    }
  }

  private static BasicFileAttributes attributes(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static boolean olderThan(FileTime t, Duration age) {
    return t.toInstant().isBefore(Instant.now().minus(age));
  }

  /** Records a use; a read-only cache is still usable, so a failure here is not one. */
  private static void touch(Path dir) {
    try {
      Files.setLastModifiedTime(dir, FileTime.from(Instant.now()));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot record the use of " + dir, e);
    }
  }

  private static void requireSafe(String what, String name) {
    if (!SAFE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("cache " + what + " must be 1-128 letters, digits, '.', '_' or '-' and not start with a dot: '" + name + "'");
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
