package dev.attn4j.models.tokenizer;

import dev.attn4j.models.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * SentencePiece's precompiled normalization map ({@code precompiled_charsmap}, e.g. nmt_nfkc: NFKC plus whitespace
 * and control-character rules), applied as Hugging Face's {@code Precompiled} normalizer applies it. The map is a
 * darts-clone double-array trie over UTF-8 bytes whose values point into a pool of NUL-terminated replacements. Each
 * grapheme shorter than six UTF-8 bytes is looked up whole; otherwise, or without a hit, each of its code points is;
 * as in Hugging Face's code, the shortest key that prefixes the chunk decides its replacement. Immutable and
 * thread-safe.
 */
final class Precompiled {
  private final int[] units;
  private final byte[] pool;

  private Precompiled(int[] units, byte[] pool) {
    this.units = units;
    this.pool = pool;
  }

  /**
   * Reads the map: a little-endian u32 byte length of the trie, the trie's u32 units, then the replacement pool.
   *
   * @throws ModelFormatException naming {@code file} if the lengths do not fit the blob
   */
  static Precompiled parse(byte[] blob, Path file) throws ModelFormatException {
    ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
    if (blob.length < 4) {
      throw new ModelFormatException(file + ": precompiled_charsmap is " + blob.length + " bytes, too short for its header");
    }
    long trieBytes = Integer.toUnsignedLong(b.getInt());
    if (trieBytes % 4 != 0 || trieBytes == 0 || trieBytes > blob.length - 4L) {
      throw new ModelFormatException(file + ": precompiled_charsmap's trie of " + trieBytes + " bytes does not fit its " + blob.length + " bytes");
    }
    int[] units = new int[(int) (trieBytes / 4)];
    for (int i = 0; i < units.length; i++) {
      units[i] = b.getInt();
    }
    byte[] pool = new byte[b.remaining()];
    b.get(pool);
    return new Precompiled(units, pool);
  }

  /** The replacement of the chunk {@code key} (UTF-8), or null when no key of the map prefixes it. */
  String transform(byte[] key) {
    int pos = 0;
    int unit = units[0];
    pos ^= offset(unit);
    for (byte k : key) {
      int c = k & 0xff;
      pos ^= c;
      if (pos < 0 || pos >= units.length) {
        return null;
      }
      unit = units[pos];
      if (label(unit) != c) {
        return null;
      }
      pos ^= offset(unit);
      if (pos < 0 || pos >= units.length) {
        return null;
      }
      if (hasLeaf(unit)) {
        return replacement(units[pos] & 0x7fffffff);
      }
    }
    return null;
  }

  private String replacement(int at) {
    if (at >= pool.length) {
      return null;
    }
    int end = at;
    while (end < pool.length && pool[end] != 0) {
      end++;
    }
    return new String(pool, at, end - at, StandardCharsets.UTF_8);
  }

  private static boolean hasLeaf(int unit) {
    return ((unit >>> 8) & 1) == 1;
  }

  private static int label(int unit) {
    return unit & (0x80000000 | 0xff);
  }

  private static int offset(int unit) {
    return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
  }

  /** Normalizes {@code n} in place, keeping each code point aligned to the original text. */
  void normalize(Normalized n) {
    String s = n.toString();
    BreakIterator graphemes = BreakIterator.getCharacterInstance(Locale.ROOT);
    graphemes.setText(s);
    List<int[]> dest = new ArrayList<>(n.length());
    boolean modified = false;
    for (int from = graphemes.first(), to = graphemes.next(); to != BreakIterator.DONE; from = to, to = graphemes.next()) {
      String g = s.substring(from, to);
      byte[] bytes = g.getBytes(StandardCharsets.UTF_8);
      if (bytes.length < 6) {
        String norm = transform(bytes);
        if (norm != null) {
          modified = true;
          replace(dest, g, norm);
          continue;
        }
      }
      for (int i = 0; i < g.length(); ) {
        int cp = g.codePointAt(i);
        String part = g.substring(i, i + Character.charCount(cp));
        String norm = transform(part.getBytes(StandardCharsets.UTF_8));
        if (norm != null) {
          modified = true;
          replace(dest, part, norm);
        } else {
          dest.add(new int[] {cp, 0});
        }
        i += part.length();
      }
    }
    if (modified) {
      n.transform(0, n.length(), dest, 0);
    }
  }

  /**
   * Hugging Face's bookkeeping for one replacement: the new code points replace the old ones in order; extra new ones
   * count as inserted, missing ones as removed after the last code point written so far.
   */
  private static void replace(List<int[]> dest, String old, String replacement) {
    int oldCount = old.codePointCount(0, old.length());
    int[] added = replacement.codePoints().toArray();
    int diff = added.length - oldCount;
    for (int c : added) {
      dest.add(new int[] {c, 0});
    }
    if (diff > 0) {
      for (int i = dest.size() - diff; i < dest.size(); i++) {
        dest.get(i)[1] = 1;
      }
    } else if (diff < 0 && !dest.isEmpty()) {
      dest.getLast()[1] += diff;
    }
  }
}
