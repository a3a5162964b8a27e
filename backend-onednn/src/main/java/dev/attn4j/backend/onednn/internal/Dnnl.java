package dev.attn4j.backend.onednn.internal;

import dev.attn4j.backend.onednn.OneDnnException;
import dev.attn4j.spi.natives.LoadedLibrary;
import dev.attn4j.spi.natives.NativeLibraryLocator;
import dev.attn4j.spi.natives.NativeLibraryNotFoundException;
import dev.attn4j.spi.natives.NativeLibrarySpec;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The process-wide binding of the oneDNN 3.x C API ({@code dnnl.h}): the library is found and opened once and
 * every method handle made once. Each wrapper checks the returned {@code dnnl_status_t} and throws a
 * {@link OneDnnException} naming the call. Handles are plain addresses ({@link MemorySegment} of size 0);
 * their owners release them. Thread-safe (oneDNN's creation and query functions are).
 */
public final class Dnnl {
  /** System property naming the library file to load instead of searching. */
  public static final String LIBRARY_PROPERTY = "attn4j.onednn.library";

  // Values from oneDNN 3.13's dnnl_types.h (printed by a C program against the shipped headers).
  static final int STATUS_UNIMPLEMENTED = 3;
  static final int ENGINE_CPU = 1;
  static final int STREAM_DEFAULT_FLAGS = 1;
  static final int DT_BF16 = 2;
  static final int DT_F32 = 3;
  static final int TAG_A = 2;
  static final int FORWARD_INFERENCE = 96;
  static final int SOFTMAX_ACCURATE = 0x30000;
  static final int ELTWISE_LINEAR = 38;
  static final int ELTWISE_GELU_TANH = 43;
  static final int ELTWISE_GELU_ERF = 49;
  static final int BINARY_ADD = 0x1fff0;
  static final int USE_SCALE = 2;
  static final int USE_SHIFT = 4;
  static final int SCRATCHPAD_USER = 1;
  static final int QUERY_IMPL_INFO_STR = 8;
  static final int QUERY_WEIGHTS_MD = 131;
  static final int QUERY_SCRATCHPAD_MD = 136;
  static final int TAG_ANY = 1;
  static final int ARG_SRC = 1;
  static final int ARG_SRC_1 = 2;
  static final int ARG_DST = 17;
  static final int ARG_WEIGHTS = 33;
  static final int ARG_BIAS = 41;
  static final int ARG_SCALE = 51;
  static final int ARG_SHIFT = 52;
  static final int ARG_SCRATCHPAD = 80;
  static final int ARG_POST_OP_BASE = 32768;
  /** {@code DNNL_MAX_NDIMS}: the length of {@code dnnl_dims_t}. */
  static final int MAX_NDIMS = 12;
  static final int ISA_AVX512_CORE_BF16 = 0xe7;
  static final int ISA_AMX = 0xfef;
  static final int RUNTIME_OMP = 2;

  private static final NativeLibrarySpec SPEC = new NativeLibrarySpec("oneDNN", LIBRARY_PROPERTY, List.of("libdnnl.so.3"),
      "org/bytedeco/dnnl/linux-x86_64",
      // libdnnl's RUNPATH is $ORIGIN, but opening its OpenMP runtime first makes the order explicit.
      List.of("libgomp.so.1", "libdnnl.so.3"));

  /** Every function bound, by symbol, with its C signature (most return a {@code dnnl_status_t}). */
  private static final Map<String, FunctionDescriptor> SIGNATURES = signatures();

  private static Object instance; // a Dnnl, or the String reason it could not be loaded

  private final LoadedLibrary library;
  private final MethodHandle engineCreate;
  private final MethodHandle engineDestroy;
  private final MethodHandle streamCreate;
  private final MethodHandle streamWait;
  private final MethodHandle streamDestroy;
  private final MethodHandle mdCreateWithStrides;
  private final MethodHandle mdCreateWithTag;
  private final MethodHandle mdDestroy;
  private final MethodHandle mdClone;
  private final MethodHandle memoryCreate;
  private final MethodHandle memoryDestroy;
  private final MethodHandle attrCreate;
  private final MethodHandle attrDestroy;
  private final MethodHandle attrSetScratchpadMode;
  private final MethodHandle attrSetPostOps;
  private final MethodHandle postOpsCreate;
  private final MethodHandle postOpsDestroy;
  private final MethodHandle postOpsAppendEltwise;
  private final MethodHandle postOpsAppendSum;
  private final MethodHandle postOpsAppendBinary;
  private final MethodHandle matmulPd;
  private final MethodHandle softmaxPd;
  private final MethodHandle layerNormPd;
  private final MethodHandle eltwisePd;
  private final MethodHandle reorderPd;
  private final MethodHandle pdQueryMd;
  private final MethodHandle pdQuery;
  private final MethodHandle pdDestroy;
  private final MethodHandle mdGetSize;
  private final MethodHandle primitiveCreate;
  private final MethodHandle primitiveExecute;
  private final MethodHandle primitiveDestroy;
  /** {@code omp_set_num_threads}, or null when the library does not run on OpenMP. */
  private final MethodHandle ompSetNumThreads;
  /** {@code omp_get_max_threads}, or null. */
  private final MethodHandle ompGetMaxThreads;
  private final String version;
  private final int isa;
  private final int cpuRuntime;

  private Dnnl(LoadedLibrary library) throws Throwable {
    this.library = library;
    Linker linker = Linker.nativeLinker();
    SymbolLookup lookup = library.lookup();
    engineCreate = bind(linker, lookup, "dnnl_engine_create");
    engineDestroy = bind(linker, lookup, "dnnl_engine_destroy");
    streamCreate = bind(linker, lookup, "dnnl_stream_create");
    streamWait = bind(linker, lookup, "dnnl_stream_wait");
    streamDestroy = bind(linker, lookup, "dnnl_stream_destroy");
    mdCreateWithStrides = bind(linker, lookup, "dnnl_memory_desc_create_with_strides");
    mdCreateWithTag = bind(linker, lookup, "dnnl_memory_desc_create_with_tag");
    mdDestroy = bind(linker, lookup, "dnnl_memory_desc_destroy");
    mdClone = bind(linker, lookup, "dnnl_memory_desc_clone");
    memoryCreate = bind(linker, lookup, "dnnl_memory_create");
    memoryDestroy = bind(linker, lookup, "dnnl_memory_destroy");
    attrCreate = bind(linker, lookup, "dnnl_primitive_attr_create");
    attrDestroy = bind(linker, lookup, "dnnl_primitive_attr_destroy");
    attrSetScratchpadMode = bind(linker, lookup, "dnnl_primitive_attr_set_scratchpad_mode");
    attrSetPostOps = bind(linker, lookup, "dnnl_primitive_attr_set_post_ops");
    postOpsCreate = bind(linker, lookup, "dnnl_post_ops_create");
    postOpsDestroy = bind(linker, lookup, "dnnl_post_ops_destroy");
    postOpsAppendEltwise = bind(linker, lookup, "dnnl_post_ops_append_eltwise");
    postOpsAppendSum = bind(linker, lookup, "dnnl_post_ops_append_sum");
    postOpsAppendBinary = bind(linker, lookup, "dnnl_post_ops_append_binary");
    matmulPd = bind(linker, lookup, "dnnl_matmul_primitive_desc_create");
    softmaxPd = bind(linker, lookup, "dnnl_softmax_forward_primitive_desc_create");
    layerNormPd = bind(linker, lookup, "dnnl_layer_normalization_forward_primitive_desc_create");
    eltwisePd = bind(linker, lookup, "dnnl_eltwise_forward_primitive_desc_create");
    reorderPd = bind(linker, lookup, "dnnl_reorder_primitive_desc_create");
    pdQueryMd = bind(linker, lookup, "dnnl_primitive_desc_query_md");
    pdQuery = bind(linker, lookup, "dnnl_primitive_desc_query");
    pdDestroy = bind(linker, lookup, "dnnl_primitive_desc_destroy");
    mdGetSize = bind(linker, lookup, "dnnl_memory_desc_get_size");
    primitiveCreate = bind(linker, lookup, "dnnl_primitive_create");
    primitiveExecute = bind(linker, lookup, "dnnl_primitive_execute");
    primitiveDestroy = bind(linker, lookup, "dnnl_primitive_destroy");
    // dlsym on libdnnl's handle also searches its dependencies, so an OpenMP build resolves these from its runtime.
    ompSetNumThreads = lookup.find("omp_set_num_threads").map(a -> linker.downcallHandle(a, SIGNATURES.get("omp_set_num_threads"))).orElse(null);
    ompGetMaxThreads = lookup.find("omp_get_max_threads").map(a -> linker.downcallHandle(a, SIGNATURES.get("omp_get_max_threads"))).orElse(null);

    // const dnnl_version_t *: {int major, minor, patch; const char *hash; unsigned cpu_runtime, gpu_runtime}
    MemorySegment v = ((MemorySegment) bind(linker, lookup, "dnnl_version").invokeExact()).reinterpret(32);
    MemorySegment hash = v.get(ADDRESS, 16);
    String hashText = hash.equals(MemorySegment.NULL) ? "" : hash.reinterpret(64).getString(0).strip();
    this.version = v.get(JAVA_INT, 0) + "." + v.get(JAVA_INT, 4) + "." + v.get(JAVA_INT, 8)
        + (hashText.isEmpty() || hashText.equals("N/A") ? "" : " (" + hashText + ")");
    this.cpuRuntime = v.get(JAVA_INT, 24);
    this.isa = (int) bind(linker, lookup, "dnnl_get_effective_cpu_isa").invokeExact();
  }

  private static Map<String, FunctionDescriptor> signatures() {
    Map<String, FunctionDescriptor> m = new HashMap<>();
    status(m, "dnnl_engine_create", ADDRESS, JAVA_INT, JAVA_LONG);
    for (String f : List.of("dnnl_engine_destroy", "dnnl_stream_wait", "dnnl_stream_destroy", "dnnl_memory_desc_destroy", "dnnl_memory_destroy",
        "dnnl_primitive_attr_create", "dnnl_primitive_attr_destroy", "dnnl_post_ops_create", "dnnl_post_ops_destroy", "dnnl_primitive_desc_destroy",
        "dnnl_primitive_destroy")) {
      status(m, f, ADDRESS);
    }
    for (String f : List.of("dnnl_memory_desc_clone", "dnnl_primitive_attr_set_post_ops", "dnnl_primitive_create")) {
      status(m, f, ADDRESS, ADDRESS);
    }
    status(m, "dnnl_stream_create", ADDRESS, ADDRESS, JAVA_INT);
    status(m, "dnnl_memory_desc_create_with_strides", ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
    status(m, "dnnl_memory_desc_create_with_tag", ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    status(m, "dnnl_memory_create", ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    status(m, "dnnl_primitive_attr_set_scratchpad_mode", ADDRESS, JAVA_INT);
    status(m, "dnnl_post_ops_append_eltwise", ADDRESS, JAVA_INT, JAVA_FLOAT, JAVA_FLOAT);
    status(m, "dnnl_post_ops_append_sum", ADDRESS, JAVA_FLOAT, JAVA_INT, JAVA_INT);
    status(m, "dnnl_post_ops_append_binary", ADDRESS, JAVA_INT, ADDRESS);
    status(m, "dnnl_matmul_primitive_desc_create", ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    status(m, "dnnl_softmax_forward_primitive_desc_create", ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
    status(m, "dnnl_layer_normalization_forward_primitive_desc_create", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_FLOAT, JAVA_INT, ADDRESS);
    status(m, "dnnl_eltwise_forward_primitive_desc_create", ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_FLOAT, JAVA_FLOAT, ADDRESS);
    status(m, "dnnl_reorder_primitive_desc_create", ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    status(m, "dnnl_primitive_desc_query", ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    status(m, "dnnl_primitive_execute", ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
    m.put("dnnl_primitive_desc_query_md", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT));
    m.put("dnnl_memory_desc_get_size", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    m.put("dnnl_version", FunctionDescriptor.of(ADDRESS));
    m.put("dnnl_get_effective_cpu_isa", FunctionDescriptor.of(JAVA_INT));
    m.put("omp_set_num_threads", FunctionDescriptor.ofVoid(JAVA_INT));
    m.put("omp_get_max_threads", FunctionDescriptor.of(JAVA_INT));
    return Map.copyOf(m);
  }

  /** Registers a function returning {@code dnnl_status_t}. */
  private static void status(Map<String, FunctionDescriptor> m, String symbol, MemoryLayout... args) {
    m.put(symbol, FunctionDescriptor.of(JAVA_INT, args));
  }

  /** Waits for {@code t}; an interrupt meanwhile is kept for the caller, not allowed to fail the library for good. */
  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static MethodHandle bind(Linker linker, SymbolLookup lookup, String symbol) {
    return linker.downcallHandle(require(lookup, symbol), SIGNATURES.get(symbol));
  }

  /**
   * Has the JDK generate the call stub of every distinct signature in {@link #SIGNATURES} on a thread of its own and
   * returns that thread. On a cold JVM this takes ~120 ms (the first ~40 ms, each further one ~3 ms), needs no
   * library, and is cached by the JDK for the handles bound later: done while the library is found and opened, it is
   * off the backend's critical path.
   */
  private static Thread generateStubs() {
    return Thread.ofPlatform().daemon().name("attn4j-onednn-stubs").start(() -> {
      try {
        Linker linker = Linker.nativeLinker();
        SIGNATURES.values().stream().distinct().forEach(linker::downcallHandle);
      } catch (RuntimeException ignored) {
        // Binding the library reports any problem with a signature, with the symbol's name.
      }
    });
  }

  /**
   * The loaded library.
   *
   * @throws NativeLibraryNotFoundException naming everything that was tried
   */
  public static synchronized Dnnl get() throws NativeLibraryNotFoundException {
    if (instance == null) {
      Thread stubs = generateStubs();
      try {
        LoadedLibrary lib = NativeLibraryLocator.load(SPEC, Dnnl.class.getClassLoader(),
            name -> SymbolLookup.libraryLookup(name, Arena.global()), path -> SymbolLookup.libraryLookup(path, Arena.global()));
        // Bound after the stubs exist, so that no stub is generated twice at once.
        joinUninterruptibly(stubs);
        instance = new Dnnl(lib);
      } catch (NativeLibraryNotFoundException e) {
        instance = e.getMessage();
      } catch (Throwable e) {
        instance = "oneDNN found but unusable: " + e;
      }
    }
    if (instance instanceof Dnnl dnnl) {
      return dnnl;
    }
    throw new NativeLibraryNotFoundException((String) instance);
  }

  /** E.g. {@code "oneDNN 3.13.0 (hash), ISA avx10_1_512, OpenMP, bundled: /path"}. */
  public String describe() {
    return "oneDNN " + version + ", ISA " + isaName() + ", " + runtimeName() + ", " + library.describe();
  }

  /** {@code dnnl_version()}: major.minor.patch and the commit hash. */
  public String version() {
    return version;
  }

  /** Where the library was loaded from. */
  public LoadedLibrary library() {
    return library;
  }

  /** The CPU instruction set oneDNN dispatches to ({@code dnnl_get_effective_cpu_isa}), by its oneDNN name. */
  public String isaName() {
    return switch (isa) {
      case 0 -> "default";
      case 0x1 -> "sse41";
      case 0x3 -> "avx";
      case 0x7 -> "avx2";
      case 0xf -> "avx2_vnni";
      case 0x1f -> "avx2_vnni_2";
      case 0x27 -> "avx512_core";
      case 0x67 -> "avx512_core_vnni";
      case 0xe7 -> "avx512_core_bf16";
      case 0x1ef -> "avx10_1_512 (avx512_core_fp16)";
      case 0xfef -> "avx10_1_512_amx (avx512_core_amx)";
      case 0x1fef -> "avx10_1_512_amx_fp16";
      case 0x201ff -> "avx10_2_512";
      case 0x22fff -> "avx10_2_512_amx_2";
      default -> "isa 0x" + Integer.toHexString(isa);
    };
  }

  /** Whether the dispatched ISA computes bfloat16 products natively (AVX512-BF16 or AMX). */
  public boolean hasBf16() {
    return (isa & ISA_AVX512_CORE_BF16) == ISA_AVX512_CORE_BF16 || (isa & ISA_AMX) == ISA_AMX;
  }

  /** Whether the ISA includes AMX tiles. */
  public boolean hasAmx() {
    return (isa & ISA_AMX) == ISA_AMX;
  }

  /** The CPU threading runtime oneDNN was built with. */
  public String runtimeName() {
    return switch (cpuRuntime) {
      case 1 -> "sequential";
      case RUNTIME_OMP -> "OpenMP";
      case 4 -> "TBB";
      case 8 -> "threadpool";
      default -> "runtime " + cpuRuntime;
    };
  }

  /** Whether {@link #setThreads} controls oneDNN's thread count (an OpenMP build exporting omp_set_num_threads). */
  public boolean controlsThreads() {
    return ompSetNumThreads != null && cpuRuntime == RUNTIME_OMP;
  }

  /**
   * Sets the calling thread's OpenMP team size for the parallel regions it starts next. OpenMP keeps this per
   * calling thread, so it is set before every creation and execution.
   */
  void setThreads(int threads) {
    if (ompSetNumThreads != null) {
      try {
        ompSetNumThreads.invokeExact(threads);
      } catch (Throwable t) {
        throw rethrow(t);
      }
    }
  }

  /** The calling thread's OpenMP team size for its next parallel region, or -1 without OpenMP. */
  public int threadsOfCaller() {
    if (ompGetMaxThreads == null) {
      return -1;
    }
    try {
      return (int) ompGetMaxThreads.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  // ---- objects ------------------------------------------------------------------------------------

  MemorySegment engineCreate() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      check("dnnl_engine_create", (int) engineCreate.invokeExact(out, ENGINE_CPU, 0L));
      return out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  void engineDestroy(MemorySegment engine) {
    call("dnnl_engine_destroy", engineDestroy, engine);
  }

  MemorySegment streamCreate(MemorySegment engine) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      check("dnnl_stream_create", (int) streamCreate.invokeExact(out, engine, STREAM_DEFAULT_FLAGS));
      return out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  void streamDestroy(MemorySegment stream) {
    call("dnnl_stream_destroy", streamDestroy, stream);
  }

  /** A memory descriptor with explicit strides (in elements); {@code dims.length <= MAX_NDIMS}. */
  MemorySegment mdCreate(long[] dims, long[] strides, int dataType) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      MemorySegment d = a.allocate(JAVA_LONG, MAX_NDIMS);
      MemorySegment s = a.allocate(JAVA_LONG, MAX_NDIMS);
      MemorySegment.copy(dims, 0, d, JAVA_LONG, 0, dims.length);
      MemorySegment.copy(strides, 0, s, JAVA_LONG, 0, strides.length);
      check("dnnl_memory_desc_create_with_strides", (int) mdCreateWithStrides.invokeExact(out, dims.length, d, dataType, s));
      return out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A 1-D memory descriptor of {@code n} dense elements. */
  MemorySegment mdCreateVector(long n, int dataType) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      MemorySegment d = a.allocate(JAVA_LONG, MAX_NDIMS);
      d.set(JAVA_LONG, 0, n);
      check("dnnl_memory_desc_create_with_tag", (int) mdCreateWithTag.invokeExact(out, 1, d, dataType, TAG_A));
      return out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A descriptor of {@code dims} whose layout the primitive using it chooses ({@code dnnl_format_tag_any}). */
  MemorySegment mdCreateAny(long[] dims, int dataType) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      MemorySegment d = a.allocate(JAVA_LONG, MAX_NDIMS);
      MemorySegment.copy(dims, 0, d, JAVA_LONG, 0, dims.length);
      check("dnnl_memory_desc_create_with_tag", (int) mdCreateWithTag.invokeExact(out, dims.length, d, dataType, TAG_ANY));
      return out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** An owned copy of {@code md} (e.g. one a primitive descriptor reports, which dies with it). */
  MemorySegment mdClone(MemorySegment md) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      check("dnnl_memory_desc_clone", (int) mdClone.invokeExact(out, md));
      return out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The weights descriptor a primitive descriptor settled on (owned by {@code pd}). */
  MemorySegment weightsMd(MemorySegment pd) {
    try {
      return (MemorySegment) pdQueryMd.invokeExact(pd, QUERY_WEIGHTS_MD, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  void mdDestroy(MemorySegment md) {
    call("dnnl_memory_desc_destroy", mdDestroy, md);
  }

  /** Bytes a memory object of this descriptor needs ({@code dnnl_memory_desc_get_size}). */
  long mdSize(MemorySegment md) {
    try {
      return (long) mdGetSize.invokeExact(md);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A memory object over caller-owned memory at {@code data} (not copied, not freed by oneDNN). */
  MemorySegment memoryCreate(MemorySegment md, MemorySegment engine, MemorySegment data, Arena arena) {
    try {
      MemorySegment out = arena.allocate(ADDRESS);
      check("dnnl_memory_create", (int) memoryCreate.invokeExact(out, md, engine, data));
      return out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  void memoryDestroy(MemorySegment memory) {
    call("dnnl_memory_destroy", memoryDestroy, memory);
  }

  /**
   * A primitive attribute with a user-managed scratchpad (so one primitive can run on several threads at once,
   * each with its own scratchpad) and the given post-ops (may be null).
   */
  MemorySegment attrCreate(PostOps postOps) {
    MemorySegment attr;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      check("dnnl_primitive_attr_create", (int) attrCreate.invokeExact(out));
      attr = out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
    try {
      check("dnnl_primitive_attr_set_scratchpad_mode", (int) attrSetScratchpadMode.invokeExact(attr, SCRATCHPAD_USER));
      if (postOps != null && !postOps.isEmpty()) {
        MemorySegment ops = postOpsCreate(postOps);
        try {
          check("dnnl_primitive_attr_set_post_ops", (int) attrSetPostOps.invokeExact(attr, ops));
        } finally {
          call("dnnl_post_ops_destroy", postOpsDestroy, ops);
        }
      }
      return attr;
    } catch (Throwable t) {
      attrDestroy(attr);
      throw rethrow(t);
    }
  }

  void attrDestroy(MemorySegment attr) {
    call("dnnl_primitive_attr_destroy", attrDestroy, attr);
  }

  private MemorySegment postOpsCreate(PostOps postOps) throws Throwable {
    MemorySegment ops;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      check("dnnl_post_ops_create", (int) postOpsCreate.invokeExact(out));
      ops = out.get(ADDRESS, 0);
    }
    try {
      for (PostOps.Op op : postOps.ops()) {
        switch (op) {
          case PostOps.Eltwise e -> check("dnnl_post_ops_append_eltwise", (int) postOpsAppendEltwise.invokeExact(ops, e.alg(), e.alpha(), e.beta()));
          case PostOps.Sum s -> check("dnnl_post_ops_append_sum", (int) postOpsAppendSum.invokeExact(ops, s.scale(), 0, DT_F32));
          case PostOps.BinaryAdd b -> check("dnnl_post_ops_append_binary", (int) postOpsAppendBinary.invokeExact(ops, BINARY_ADD, b.md()));
        }
      }
      return ops;
    } catch (Throwable t) {
      call("dnnl_post_ops_destroy", postOpsDestroy, ops);
      throw t;
    }
  }

  // ---- primitive descriptors: null when oneDNN has no implementation for the layout ---------------------

  MemorySegment matmulPd(MemorySegment engine, MemorySegment src, MemorySegment weights, MemorySegment bias, MemorySegment dst,
      MemorySegment attr) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      return created("dnnl_matmul_primitive_desc_create",
          (int) matmulPd.invokeExact(out, engine, src, weights, orNull(bias), dst, attr), out);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  MemorySegment softmaxPd(MemorySegment engine, MemorySegment md, int axis, MemorySegment attr) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      return created("dnnl_softmax_forward_primitive_desc_create",
          (int) softmaxPd.invokeExact(out, engine, FORWARD_INFERENCE, SOFTMAX_ACCURATE, md, md, axis, attr), out);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  MemorySegment layerNormPd(MemorySegment engine, MemorySegment md, float eps, MemorySegment attr) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      return created("dnnl_layer_normalization_forward_primitive_desc_create", (int) layerNormPd.invokeExact(out, engine,
          FORWARD_INFERENCE, md, md, MemorySegment.NULL, eps, USE_SCALE | USE_SHIFT, attr), out);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  MemorySegment eltwisePd(MemorySegment engine, int alg, MemorySegment md, float alpha, float beta, MemorySegment attr) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      return created("dnnl_eltwise_forward_primitive_desc_create",
          (int) eltwisePd.invokeExact(out, engine, FORWARD_INFERENCE, alg, md, md, alpha, beta, attr), out);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A reorder (layout and data type conversion) between two descriptors on {@code engine}. */
  MemorySegment reorderPd(MemorySegment engine, MemorySegment src, MemorySegment dst, MemorySegment attr) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      return created("dnnl_reorder_primitive_desc_create", (int) reorderPd.invokeExact(out, src, engine, dst, engine, attr), out);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The scratchpad descriptor a primitive descriptor asks for (owned by the descriptor). */
  MemorySegment scratchpadMd(MemorySegment pd) {
    try {
      return (MemorySegment) pdQueryMd.invokeExact(pd, QUERY_SCRATCHPAD_MD, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The implementation oneDNN chose, e.g. {@code "brg_matmul:avx512_core"}. */
  String implInfo(MemorySegment pd) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      check("dnnl_primitive_desc_query", (int) pdQuery.invokeExact(pd, QUERY_IMPL_INFO_STR, 0, out));
      MemorySegment s = out.get(ADDRESS, 0);
      return s.equals(MemorySegment.NULL) ? "?" : s.reinterpret(256).getString(0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  void pdDestroy(MemorySegment pd) {
    call("dnnl_primitive_desc_destroy", pdDestroy, pd);
  }

  MemorySegment primitiveCreate(MemorySegment pd) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      check("dnnl_primitive_create", (int) primitiveCreate.invokeExact(out, pd));
      return out.get(ADDRESS, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Executes and waits: {@code args} holds {@code nargs} {@code dnnl_exec_arg_t} ({int arg; pad; dnnl_memory_t}). */
  void execute(MemorySegment primitive, MemorySegment stream, int nargs, MemorySegment args) {
    try {
      check("dnnl_primitive_execute", (int) primitiveExecute.invokeExact(primitive, stream, nargs, args));
      check("dnnl_stream_wait", (int) streamWait.invokeExact(stream));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  void primitiveDestroy(MemorySegment primitive) {
    call("dnnl_primitive_destroy", primitiveDestroy, primitive);
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private static MemorySegment created(String call, int status, MemorySegment out) {
    if (status == STATUS_UNIMPLEMENTED) {
      return null;
    }
    check(call, status);
    return out.get(ADDRESS, 0);
  }

  private static void call(String name, MethodHandle h, MemorySegment handle) {
    try {
      check(name, (int) h.invokeExact(handle));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static MemorySegment orNull(MemorySegment s) {
    return s == null ? MemorySegment.NULL : s;
  }

  static void check(String call, int status) {
    if (status != 0) {
      throw new OneDnnException(call, status);
    }
  }

  private static MemorySegment require(SymbolLookup lookup, String symbol) {
    return lookup.find(symbol).orElseThrow(() -> new IllegalStateException("the library does not export " + symbol + " (not oneDNN 3.x?)"));
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
