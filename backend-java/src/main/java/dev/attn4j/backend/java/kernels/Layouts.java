package dev.attn4j.backend.java.kernels;

import java.lang.foreign.ValueLayout;

/** Memory layouts used by the kernels, defined once. */
final class Layouts {
  /** Tensors may wrap memory-mapped files at any 4-byte offset; unaligned access costs nothing on x86. */
  static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

  private Layouts() {}
}
