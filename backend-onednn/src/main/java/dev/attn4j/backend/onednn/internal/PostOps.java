package dev.attn4j.backend.onednn.internal;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The post-operations fused into a primitive, in order, with a key that identifies them in the primitive cache.
 * Not thread-safe (built by one kernel call).
 */
final class PostOps {
  sealed interface Op permits Eltwise, Sum, BinaryAdd {}

  /** {@code x = f(x)}; {@code alg} is a {@code dnnl_alg_kind_t}. */
  record Eltwise(int alg, float alpha, float beta) implements Op {}

  /** {@code x += scale * previous destination}. */
  record Sum(float scale) implements Op {}

  /** {@code x += src1} with {@code src1} described (and owned) by {@code md}. */
  record BinaryAdd(MemorySegment md) implements Op {}

  private final List<Op> ops = new ArrayList<>();

  List<Op> ops() {
    return ops;
  }

  boolean isEmpty() {
    return ops.isEmpty();
  }

  void add(Op op) {
    ops.add(op);
  }

  /** Index of the first binary post-op, or -1: its execute argument is {@code POST_OP_BASE * (index + 1) | SRC_1}. */
  int binaryIndex() {
    for (int i = 0; i < ops.size(); i++) {
      if (ops.get(i) instanceof BinaryAdd) {
        return i;
      }
    }
    return -1;
  }
}
