package dev.attn4j.spi.natives;

import dev.attn4j.api.cache.UserCache;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.SymbolLookup;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;

/**
 * Finds and opens a native library described by a {@link NativeLibrarySpec}, in this order:
 * <ol>
 *   <li>the file named by the spec's system property (when set, nothing else is tried: an explicit choice
 *       that fails must not silently fall back);
 *   <li>each system name through the dynamic loader ({@code dlopen} search path);
 *   <li>the bundled files found by the class loader (e.g. in an {@code org.bytedeco} jar), extracted once into
 *       {@link UserCache} under a key of their names, sizes and CRCs and opened from there in load order (folders of
 *       the same library's other bundles are deleted once unused for {@link UserCache#UNUSED_FOR}).
 * </ol>
 *
 * <p>The caller supplies the two functions that open a library (normally {@code
 * name -> SymbolLookup.libraryLookup(name, Arena.global())} and the same for a {@code Path}), so the
 * restricted call happens in the backend's own module. Stateless and thread-safe.
 *
 * <p>Stability: experimental.
 */
public final class NativeLibraryLocator {
  private NativeLibraryLocator() {}

  /**
   * Opens the library.
   *
   * @param loader class loader that sees the bundled files, e.g. the backend class's loader
   * @param byName opens a library by file name through the dynamic loader
   * @param byPath opens a library file
   * @throws NativeLibraryNotFoundException naming everything that was tried and why each attempt failed
   */
  public static LoadedLibrary load(NativeLibrarySpec spec, ClassLoader loader, Function<String, SymbolLookup> byName,
      Function<Path, SymbolLookup> byPath) throws NativeLibraryNotFoundException {
    List<String> tried = new ArrayList<>();
    String explicit = System.getProperty(spec.pathProperty());
    if (explicit != null && !explicit.isBlank()) {
      Path path = Path.of(explicit);
      try {
        if (!Files.isRegularFile(path)) {
          throw new IllegalArgumentException("no such file");
        }
        return new LoadedLibrary(byPath.apply(path), LoadedLibrary.Source.PROPERTY, path.toString());
      } catch (RuntimeException e) {
        throw new NativeLibraryNotFoundException(spec.displayName() + " not loaded: -D" + spec.pathProperty() + "=" + explicit
            + " could not be opened (" + reason(e) + "); unset the property to search the system and the bundled jar");
      }
    }
    tried.add("-D" + spec.pathProperty() + " (not set)");
    for (String name : spec.systemNames()) {
      try {
        return new LoadedLibrary(byName.apply(name), LoadedLibrary.Source.SYSTEM, name);
      } catch (RuntimeException e) {
        tried.add("system loader: " + name + " (" + reason(e) + ")");
      }
    }
    String main = spec.bundledFiles().getLast();
    String where = spec.resourceDir() + "/" + main;
    try {
      Path dir = extract(spec, loader);
      if (dir == null) {
        tried.add("class path: " + where + " (not found; is the native jar on the class path?)");
      } else {
        SymbolLookup lookup = null;
        for (String file : spec.bundledFiles()) {
          Path p = dir.resolve(file);
          try {
            lookup = byPath.apply(p);
          } catch (RuntimeException e) {
            throw new IOException("cannot open " + p + " (" + reason(e) + ")", e);
          }
        }
        return new LoadedLibrary(lookup, LoadedLibrary.Source.BUNDLED, dir.resolve(main).toString());
      }
    } catch (IOException | RuntimeException e) {
      tried.add("bundled " + where + " (" + reason(e) + ")");
    }
    throw new NativeLibraryNotFoundException(spec.displayName() + " not found; tried: " + String.join("; ", tried));
  }

  /**
   * Extracts the spec's bundled files into {@link UserCache} (once: the folder is keyed by their names, sizes and
   * CRCs) without opening them, for a library that wants a folder rather than an open handle, e.g. ONNX Runtime's
   * {@code onnxruntime.native.path}.
   *
   * @param loader class loader that sees the bundled files
   * @return the folder holding the files, or null when the class loader does not see them
   * @throws IOException if they cannot be copied, or a copy does not match its source
   */
  public static Path extract(NativeLibrarySpec spec, ClassLoader loader) throws IOException {
    List<URL> urls = new ArrayList<>();
    List<UserCache.Content> contents = new ArrayList<>();
    for (String file : spec.bundledFiles()) {
      URL url = loader == null ? ClassLoader.getSystemResource(spec.resourceDir() + "/" + file) : loader.getResource(spec.resourceDir() + "/" + file);
      if (url == null) {
        if (urls.isEmpty() && file.equals(spec.bundledFiles().getFirst())) {
          return null;
        }
        throw new IOException("bundle incomplete: " + spec.resourceDir() + "/" + file + " missing");
      }
      urls.add(url);
      contents.add(content(file, url));
    }
    String family = slug(spec.displayName()) + "-";
    // The family: this library's extractions for other bundles (earlier versions), deleted once unused for a while.
    return UserCache.directory("native", family + UserCache.contentKey(contents), family, dir -> {
      for (int i = 0; i < urls.size(); i++) {
        copyVerified(urls.get(i), contents.get(i), dir.resolve(spec.bundledFiles().get(i)));
      }
    });
  }

  /** The file's size and CRC-32, from the jar's directory when it is in one. */
  private static UserCache.Content content(String name, URL url) throws IOException {
    URLConnection c = url.openConnection();
    if (c instanceof JarURLConnection jar) {
      JarEntry e = jar.getJarEntry();
      if (e != null && e.getSize() >= 0 && e.getCrc() >= 0) {
        return new UserCache.Content(name, e.getSize(), e.getCrc());
      }
    }
    try (InputStream in = c.getInputStream()) {
      return UserCache.zipContent(name, in);
    }
  }

  /** Copies and checks the copy against the source's size and CRC, so a torn read is never published. */
  private static void copyVerified(URL url, UserCache.Content expected, Path out) throws IOException {
    CRC32 crc = new CRC32();
    long size = 0;
    try (InputStream in = url.openStream(); var os = Files.newOutputStream(out)) {
      byte[] buf = new byte[1 << 16];
      for (int r; (r = in.read(buf)) > 0; ) {
        crc.update(buf, 0, r);
        os.write(buf, 0, r);
        size += r;
      }
    }
    if (size != expected.size() || crc.getValue() != expected.checksum()) {
      throw new IOException("copy of " + url + " is corrupt (size " + size + " vs " + expected.size() + ")");
    }
  }

  private static String slug(String name) {
    String s = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    return s.isEmpty() ? "lib" : s;
  }

  private static String reason(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
