package dev.attn4j.api.cache;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.regex.Pattern;

/**
 * attn4j's per-user cache of derived files (extracted native libraries, converted models), one immutable
 * folder per content key.
 *
 * <p>The root is the system property {@value #PROPERTY} if set, else {@code $XDG_CACHE_HOME/attn4j}, else
 * {@code ~/.cache/attn4j}. A folder is written under a temporary name and published with one atomic rename,
 * so a reader sees either nothing or the complete folder, and two processes filling the same key at once
 * both end up using one intact copy.
 *
 * <p>Thread-safe and safe across processes. Stability: experimental.
 */
public final class UserCache {
  /** System property naming the cache root. */
  public static final String PROPERTY = "attn4j.cache.dir";
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private UserCache() {}

  /** Fills a fresh, empty folder; called at most once per key and process. */
  @FunctionalInterface
  public interface Filler {
    /** Writes the folder's content into {@code dir}. */
    void fill(Path dir) throws IOException;
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
    return directory(root(), category, key, filler);
  }

  /** As {@link #directory(String, String, Filler)}, under an explicit cache root. */
  public static Path directory(Path root, String category, String key, Filler filler) throws IOException {
    requireSafe("category", category);
    requireSafe("key", key);
    Path parent = root.resolve(category);
    Path target = parent.resolve(key);
    if (Files.isDirectory(target)) {
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
      return target;
    } finally {
      deleteTree(tmp);
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
