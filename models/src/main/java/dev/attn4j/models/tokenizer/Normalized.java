package dev.attn4j.models.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A string being normalized, each code point aligned to the range of the original text it came from, so that a
 * token's span can be mapped back: Hugging Face's {@code NormalizedString} at code-point granularity. Edits follow its
 * {@code transform} rule: a replacing code point takes the alignment of the one it replaces, an inserted one the
 * alignment of the code point before it in the string being edited. Mutable, not thread-safe: one per section.
 */
final class Normalized {
  private int[] cps;
  private int[] start;
  private int[] end;

  private Normalized(int[] cps, int[] start, int[] end) {
    this.cps = cps;
    this.start = start;
    this.end = end;
  }

  /** {@code text[from, to)}, each code point aligned to its own UTF-16 range. */
  static Normalized of(String text, int from, int to) {
    int n = text.codePointCount(from, to);
    int[] cps = new int[n];
    int[] s = new int[n];
    int[] e = new int[n];
    for (int i = from, k = 0; i < to; k++) {
      int cp = text.codePointAt(i);
      int next = i + Character.charCount(cp);
      cps[k] = cp;
      s[k] = i;
      e[k] = next;
      i = next;
    }
    return new Normalized(cps, s, e);
  }

  /** The code points {@code [from, to)}, with their alignments, as a string of their own. */
  Normalized slice(int from, int to) {
    return new Normalized(java.util.Arrays.copyOfRange(cps, from, to), java.util.Arrays.copyOfRange(start, from, to),
        java.util.Arrays.copyOfRange(end, from, to));
  }

  int length() {
    return cps.length;
  }

  int codePoint(int i) {
    return cps[i];
  }

  /** Start, in the original text, of the code points {@code [from, to)}. */
  int originalStart(int from) {
    return start[from];
  }

  /** End, in the original text, of the code points ending at {@code to} (exclusive). */
  int originalEnd(int to) {
    return end[to - 1];
  }

  /** The code points {@code [from, to)} as a string. */
  String text(int from, int to) {
    return new String(cps, from, to - from);
  }

  @Override
  public String toString() {
    return text(0, cps.length);
  }

  /**
   * Replaces the code points {@code [from, to)} with {@code dest}, keeping those after: each entry a code point and its
   * change, 0 for one that replaces the next code point of the range, 1 for one inserted, {@code -n} for one that
   * replaces the next and removes the {@code n} after it. The first {@code removedFirst} code points of the range go
   * before anything; those of the range left over at the end go too (Hugging Face's {@code transform_range}).
   */
  void transform(int from, int to, List<int[]> dest, int removedFirst) {
    int tail = cps.length - to;
    int[] c = new int[from + dest.size() + tail];
    int[] s = new int[c.length];
    int[] e = new int[c.length];
    System.arraycopy(cps, 0, c, 0, from);
    System.arraycopy(start, 0, s, 0, from);
    System.arraycopy(end, 0, e, 0, from);
    int idx = from + removedFirst;
    int k = from;
    for (int[] d : dest) {
      if (d[1] > 0) {
        // Inserted: shares the alignment of the code point before it in the string being edited.
        s[k] = idx < 1 ? 0 : start[idx - 1];
        e[k] = idx < 1 ? 0 : end[idx - 1];
      } else {
        // Past the range only if the edits were inconsistent; keep its last alignment rather than fail.
        int at = Math.min(idx, to - 1);
        s[k] = start[at];
        e[k] = end[at];
        idx += 1 - d[1];
      }
      c[k++] = d[0];
    }
    System.arraycopy(cps, to, c, k, tail);
    System.arraycopy(start, to, s, k, tail);
    System.arraycopy(end, to, e, k, tail);
    cps = c;
    start = s;
    end = e;
  }

  /**
   * Every match of {@code pattern} replaced by {@code content}, as Hugging Face's {@code Replace} normalizer does: the
   * matched code points go, and each code point of the content is aligned to the last of them.
   */
  void replace(Pattern pattern, String content) {
    String current = toString();
    Matcher m = pattern.matcher(current);
    int[] added = content.codePoints().toArray();
    IntList c = new IntList(cps.length);
    IntList s = new IntList(cps.length);
    IntList e = new IntList(cps.length);
    int at = 0;
    int charAt = 0;
    boolean any = false;
    while (m.find()) {
      if (m.end() == m.start()) {
        continue;
      }
      any = true;
      int matchStart = at + current.codePointCount(charAt, m.start());
      int matchEnd = matchStart + current.codePointCount(m.start(), m.end());
      for (int i = at; i < matchStart; i++) {
        c.add(cps[i]);
        s.add(start[i]);
        e.add(end[i]);
      }
      for (int a : added) {
        c.add(a);
        s.add(start[matchEnd - 1]);
        e.add(end[matchEnd - 1]);
      }
      at = matchEnd;
      charAt = m.end();
    }
    if (!any) {
      return;
    }
    for (int i = at; i < cps.length; i++) {
      c.add(cps[i]);
      s.add(start[i]);
      e.add(end[i]);
    }
    cps = c.toArray();
    start = s.toArray();
    end = e.toArray();
  }

  /** The first code point {@code replacement} in front, as Hugging Face's {@code prepend}: both aligned to the first. */
  void prepend(int replacement) {
    if (cps.length == 0) {
      return;
    }
    transform(0, 1, List.of(new int[] {replacement, 0}, new int[] {cps[0], 1}), 0);
  }

  /**
   * The code points {@code [from, to)} with the {@code leading} first and {@code trailing} last ones removed, as Hugging
   * Face's {@code Strip} normalizer does to whitespace.
   */
  void strip(int leading, int trailing) {
    if (leading == 0 && trailing == 0) {
      return;
    }
    List<int[]> dest = new ArrayList<>();
    for (int i = leading; i < cps.length - trailing; i++) {
      dest.add(new int[] {cps[i], i == cps.length - trailing - 1 ? -trailing : 0});
    }
    transform(0, cps.length, dest, leading);
  }

  /** A growable int array. */
  private static final class IntList {
    private int[] a;
    private int n;

    IntList(int capacity) {
      a = new int[Math.max(4, capacity)];
    }

    void add(int v) {
      if (n == a.length) {
        a = java.util.Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    int[] toArray() {
      return java.util.Arrays.copyOf(a, n);
    }
  }
}
