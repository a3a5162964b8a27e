package dev.attn4j.backend.openblas.internal;

import dev.attn4j.spi.natives.LoadedLibrary;
import dev.attn4j.spi.natives.NativeLibraryLocator;
import dev.attn4j.spi.natives.NativeLibraryNotFoundException;
import dev.attn4j.spi.natives.NativeLibrarySpec;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The process-wide OpenBLAS binding: the library is found and opened once, its method handles created once.
 *
 * <p>OpenBLAS keeps one global thread count. Calls therefore run under a read lock, and changing the count
 * takes the write lock, so {@code openblas_set_num_threads} never runs while a GEMM is in flight; backends
 * with different thread counts used at the same time stay correct, at the price of waiting for each other.
 * Thread-safe.
 */
public final class OpenBlas {
  /** System property naming the library file to load instead of searching. */
  public static final String LIBRARY_PROPERTY = "attn4j.openblas.library";
  /** System property copied to {@code OPENBLAS_CORETYPE} before loading, for builds that misdetect the CPU. */
  public static final String CORETYPE_PROPERTY = "attn4j.openblas.coretype";

  static final int ROW_MAJOR = 101;
  static final int COL_MAJOR = 102;
  static final int NO_TRANS = 111;
  static final int TRANS = 112;

  private static final NativeLibrarySpec SPEC = new NativeLibrarySpec("OpenBLAS", LIBRARY_PROPERTY,
      List.of("libopenblas.so.0", "libopenblas.so"), "org/bytedeco/openblas/linux-x86_64",
      // libgfortran has no RUNPATH: its dependency must already be loaded when it is opened.
      List.of("libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0"));

  private static Object instance; // an OpenBlas, or the String reason it could not be loaded

  final MethodHandle sgemm;
  /** {@code cblas_sgemm_batch}, absent from OpenBLAS before 0.3.27. */
  final MethodHandle sgemmBatch;
  private final MethodHandle setNumThreads;
  private final MethodHandle getNumThreads;
  private final LoadedLibrary library;
  private final String config;
  private final String corename;
  private final ReentrantReadWriteLock threadGate = new ReentrantReadWriteLock();
  private int currentThreads;

  private OpenBlas(LoadedLibrary library) {
    this.library = library;
    Linker linker = Linker.nativeLinker();
    SymbolLookup lookup = library.lookup();
    this.sgemm = linker.downcallHandle(require(lookup, "cblas_sgemm"), FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, JAVA_INT,
        JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT));
    this.sgemmBatch = lookup.find("cblas_sgemm_batch").map(s -> linker.downcallHandle(s, FunctionDescriptor.ofVoid(JAVA_INT,
        ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
        JAVA_INT, ADDRESS))).orElse(null);
    this.setNumThreads = linker.downcallHandle(require(lookup, "openblas_set_num_threads"), FunctionDescriptor.ofVoid(JAVA_INT));
    this.getNumThreads = linker.downcallHandle(require(lookup, "openblas_get_num_threads"), FunctionDescriptor.of(JAVA_INT));
    this.config = string(linker, require(lookup, "openblas_get_config"));
    this.corename = string(linker, require(lookup, "openblas_get_corename"));
    this.currentThreads = nativeThreads();
  }

  /**
   * The loaded library.
   *
   * @throws NativeLibraryNotFoundException naming everything that was tried
   */
  public static synchronized OpenBlas get() throws NativeLibraryNotFoundException {
    if (instance == null) {
      try {
        applyCoretype();
        LoadedLibrary lib = NativeLibraryLocator.load(SPEC, OpenBlas.class.getClassLoader(),
            name -> SymbolLookup.libraryLookup(name, Arena.global()), path -> SymbolLookup.libraryLookup(path, Arena.global()));
        instance = new OpenBlas(lib);
      } catch (NativeLibraryNotFoundException e) {
        instance = e.getMessage();
      } catch (RuntimeException e) {
        instance = "OpenBLAS found but unusable: " + e.getMessage();
      }
    }
    if (instance instanceof OpenBlas blas) {
      return blas;
    }
    throw new NativeLibraryNotFoundException((String) instance);
  }

  /** E.g. {@code "OpenBLAS 0.3.31 DYNAMIC_ARCH ... (core Cooperlake), bundled: /path"}. */
  public String describe() {
    return config + " (core " + corename + "), " + library.describe();
  }

  /** The build configuration string ({@code openblas_get_config}). */
  public String config() {
    return config;
  }

  /** The CPU kernels in use ({@code openblas_get_corename}). */
  public String corename() {
    return corename;
  }

  /** Where the library was loaded from. */
  public LoadedLibrary library() {
    return library;
  }

  /** OpenBLAS's current global thread count. */
  public int nativeThreads() {
    try {
      return (int) getNumThreads.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Runs {@code call} with OpenBLAS's global thread count set to {@code threads}; no other caller can change
   * the count until it returns.
   */
  void withThreads(int threads, Runnable call) {
    var read = threadGate.readLock();
    read.lock();
    try {
      if (currentThreads != threads) {
        read.unlock();
        var write = threadGate.writeLock();
        write.lock();
        try {
          if (currentThreads != threads) {
            setNumThreads.invokeExact(threads);
            currentThreads = threads;
          }
          read.lock(); // downgrade: keep the count until our call is done
        } catch (Throwable t) {
          read.lock();
          throw rethrow(t);
        } finally {
          write.unlock();
        }
      }
      call.run();
    } finally {
      read.unlock();
    }
  }

  private static void applyCoretype() {
    String core = System.getProperty(CORETYPE_PROPERTY);
    if (core == null || core.isBlank() || !core.matches("[A-Za-z0-9_]+")) {
      return;
    }
    Linker linker = Linker.nativeLinker();
    Optional<MemorySegment> setenv = linker.defaultLookup().find("setenv");
    if (setenv.isEmpty()) {
      return;
    }
    MethodHandle h = linker.downcallHandle(setenv.get(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    try (Arena arena = Arena.ofConfined()) {
      int rc = (int) h.invokeExact(arena.allocateFrom("OPENBLAS_CORETYPE"), arena.allocateFrom(core), 1);
      if (rc != 0) {
        throw new IllegalStateException("setenv(OPENBLAS_CORETYPE) failed");
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static MemorySegment require(SymbolLookup lookup, String symbol) {
    return lookup.find(symbol).orElseThrow(() -> new IllegalStateException("the library does not export " + symbol + " (not an OpenBLAS build?)"));
  }

  /** Calls a {@code char* f(void)} returning a static NUL-terminated string. */
  private static String string(Linker linker, MemorySegment fn) {
    MethodHandle h = linker.downcallHandle(fn, FunctionDescriptor.of(ADDRESS));
    try {
      MemorySegment p = (MemorySegment) h.invokeExact();
      // A static string: readable up to its terminator; 4 KiB bounds the scan.
      return p.equals(MemorySegment.NULL) ? "?" : p.reinterpret(4096).getString(0).strip();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException(t);
  }
}
