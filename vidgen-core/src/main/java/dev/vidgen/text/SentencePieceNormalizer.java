package dev.vidgen.text;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Port of SentencePiece's {@code src/normalizer.cc} ({@code Normalizer}): the text normalisation a SentencePiece
 * model carries in its {@code normalizer_spec}. Rules come from the precompiled character map (a darts-clone
 * double-array trie over UTF-8 prefixes plus a pool of NUL-terminated replacement strings, e.g. NFKC); then
 * leading, trailing and repeated spaces are removed, spaces become U+2581 and a dummy prefix is added.
 *
 * <p>Works on UTF-8 bytes throughout, as the C++ does, so that piece lengths and positions mean the same thing.
 */
final class SentencePieceNormalizer {
  /** U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space. */
  static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};

  private final int[] trie; // darts-clone units, or null without a charsmap
  private final byte[] normalizedPool;
  private final boolean addDummyPrefix;
  private final boolean removeExtraWhitespaces;
  private final boolean escapeWhitespaces;
  private final boolean treatWhitespaceAsSuffix;
  private final ByteTrie userDefined; // prefix matcher of user-defined symbols (never normalised), or null

  SentencePieceNormalizer(byte[] precompiledCharsmap, boolean addDummyPrefix, boolean removeExtraWhitespaces,
      boolean escapeWhitespaces, boolean treatWhitespaceAsSuffix, ByteTrie userDefined) {
    if (precompiledCharsmap != null && precompiledCharsmap.length > 0) {
      // <trie size (4 bytes, little endian)><double array trie><normalized strings>
      ByteBuffer b = ByteBuffer.wrap(precompiledCharsmap).order(ByteOrder.LITTLE_ENDIAN);
      if (precompiledCharsmap.length <= 4) {
        throw new IllegalArgumentException("precompiled_charsmap is broken (too short)");
      }
      int trieSize = b.getInt(0);
      if (trieSize < 0 || trieSize >= precompiledCharsmap.length - 4 + 1 || trieSize % 4 != 0) {
        throw new IllegalArgumentException("precompiled_charsmap: trie size " + trieSize + " exceeds the blob");
      }
      trie = new int[trieSize / 4];
      for (int i = 0; i < trie.length; i++) {
        trie[i] = b.getInt(4 + 4 * i);
      }
      normalizedPool = Arrays.copyOfRange(precompiledCharsmap, 4 + trieSize, precompiledCharsmap.length);
    } else {
      trie = null;
      normalizedPool = new byte[0];
    }
    this.addDummyPrefix = addDummyPrefix;
    this.removeExtraWhitespaces = removeExtraWhitespaces;
    this.escapeWhitespaces = escapeWhitespaces;
    this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
    this.userDefined = userDefined;
  }

  /** A normalisation with the dummy prefix switched (transformers' non-legacy T5 turns it off). */
  SentencePieceNormalizer withAddDummyPrefix(boolean add) {
    return new SentencePieceNormalizer(this, add);
  }

  private SentencePieceNormalizer(SentencePieceNormalizer o, boolean add) {
    this.trie = o.trie;
    this.normalizedPool = o.normalizedPool;
    this.addDummyPrefix = add;
    this.removeExtraWhitespaces = o.removeExtraWhitespaces;
    this.escapeWhitespaces = o.escapeWhitespaces;
    this.treatWhitespaceAsSuffix = o.treatWhitespaceAsSuffix;
    this.userDefined = o.userDefined;
  }

  /** The normalised UTF-8 bytes of {@code input} (UTF-8). */
  byte[] normalize(byte[] input) {
    int pos = 0;
    int end = input.length;
    if (end == 0) {
      return new byte[0];
    }
    // Ignores heading space.
    if (removeExtraWhitespaces) {
      while (pos < end) {
        Prefix p = normalizePrefix(input, pos);
        if (!(p.length == 1 && p.bytes[p.offset] == ' ')) {
          break;
        }
        pos += p.consumed;
      }
    }
    if (pos == end) {
      return new byte[0]; // all characters are whitespace
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(input.length * 3);
    if (!treatWhitespaceAsSuffix && addDummyPrefix) {
      addWs(out);
    }
    boolean isPrevSpace = removeExtraWhitespaces;
    while (pos < end) {
      Prefix p = normalizePrefix(input, pos);
      int spStart = p.offset;
      int spEnd = p.offset + p.length;
      // Removes heading spaces of this piece if the previous piece ended with whitespace.
      while (isPrevSpace && spStart < spEnd && p.bytes[spStart] == ' ') {
        spStart++;
      }
      if (spStart < spEnd) {
        for (int n = spStart; n < spEnd; n++) {
          if (escapeWhitespaces && p.bytes[n] == ' ') {
            out.write(SPACE_SYMBOL, 0, SPACE_SYMBOL.length);
          } else {
            out.write(p.bytes[n]);
          }
        }
        isPrevSpace = p.bytes[spEnd - 1] == ' ';
      }
      pos += p.consumed;
      if (!removeExtraWhitespaces) {
        isPrevSpace = false;
      }
    }
    byte[] normalized = out.toByteArray();
    int len = normalized.length;
    // Ignores trailing space.
    if (removeExtraWhitespaces) {
      byte[] space = escapeWhitespaces ? SPACE_SYMBOL : new byte[] {' '};
      while (len >= space.length && Arrays.equals(normalized, len - space.length, len, space, 0, space.length)) {
        len -= space.length;
      }
    }
    if (treatWhitespaceAsSuffix && addDummyPrefix) {
      ByteArrayOutputStream withSuffix = new ByteArrayOutputStream(len + 3);
      withSuffix.write(normalized, 0, len);
      addWs(withSuffix);
      return withSuffix.toByteArray();
    }
    return len == normalized.length ? normalized : Arrays.copyOf(normalized, len);
  }

  private void addWs(ByteArrayOutputStream out) {
    if (escapeWhitespaces) {
      out.write(SPACE_SYMBOL, 0, SPACE_SYMBOL.length);
    } else {
      out.write(' ');
    }
  }

  /** The replacement of the longest rule matching at {@code pos}, and how many input bytes it consumes. */
  private record Prefix(byte[] bytes, int offset, int length, int consumed) {}

  private static final byte[] REPLACEMENT_CHAR = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

  private Prefix normalizePrefix(byte[] input, int pos) {
    if (userDefined != null) {
      int m = userDefined.longestPrefix(input, pos);
      if (m > 0) {
        return new Prefix(input, pos, m, m);
      }
    }
    int longestLength = 0;
    int longestValue = 0;
    if (trie != null) {
      // darts-clone commonPrefixSearch; the longest result wins.
      int nodePos = 0;
      int unit = trie[nodePos];
      nodePos ^= offset(unit);
      for (int i = pos; i < input.length; i++) {
        int c = input[i] & 0xFF;
        nodePos ^= c;
        if (nodePos < 0 || nodePos >= trie.length) {
          break;
        }
        unit = trie[nodePos];
        if (label(unit) != c) {
          break;
        }
        nodePos ^= offset(unit);
        if (hasLeaf(unit)) {
          int len = i + 1 - pos;
          if (longestLength == 0 || len > longestLength) {
            longestLength = len;
            longestValue = value(trie[nodePos]);
          }
        }
      }
    }
    if (longestLength == 0) {
      int len = validCharLength(input, pos);
      if (len == 0) {
        // Malformed UTF-8: U+FFFD, consuming one byte.
        return new Prefix(REPLACEMENT_CHAR, 0, 3, 1);
      }
      return new Prefix(input, pos, len, len);
    }
    int stop = longestValue;
    while (stop < normalizedPool.length && normalizedPool[stop] != 0) {
      stop++;
    }
    return new Prefix(normalizedPool, longestValue, stop - longestValue, longestLength);
  }

  // darts-clone DoubleArrayUnit accessors.
  private static boolean hasLeaf(int unit) {
    return ((unit >>> 8) & 1) == 1;
  }

  private static int value(int unit) {
    return unit & 0x7FFFFFFF;
  }

  private static int label(int unit) {
    return unit & (0x80000000 | 0xFF);
  }

  private static int offset(int unit) {
    return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
  }

  /** Byte length of the UTF-8 character at {@code pos}, or 0 when it is malformed. */
  static int validCharLength(byte[] s, int pos) {
    int b0 = s[pos] & 0xFF;
    int left = s.length - pos;
    if (b0 < 0x80) {
      return 1;
    }
    if (left >= 2 && (b0 & 0xE0) == 0xC0) {
      int cp = ((b0 & 0x1F) << 6) | (s[pos + 1] & 0x3F);
      return trail(s[pos + 1]) && cp >= 0x80 ? 2 : 0;
    }
    if (left >= 3 && (b0 & 0xF0) == 0xE0) {
      int cp = ((b0 & 0x0F) << 12) | ((s[pos + 1] & 0x3F) << 6) | (s[pos + 2] & 0x3F);
      return trail(s[pos + 1]) && trail(s[pos + 2]) && cp >= 0x800 && validCodepoint(cp) ? 3 : 0;
    }
    if (left >= 4 && (b0 & 0xF8) == 0xF0) {
      int cp = ((b0 & 0x07) << 18) | ((s[pos + 1] & 0x3F) << 12) | ((s[pos + 2] & 0x3F) << 6) | (s[pos + 3] & 0x3F);
      return trail(s[pos + 1]) && trail(s[pos + 2]) && trail(s[pos + 3]) && cp >= 0x10000 && validCodepoint(cp)
          ? 4 : 0;
    }
    return 0;
  }

  private static boolean trail(byte b) {
    return (b & 0xC0) == 0x80;
  }

  private static boolean validCodepoint(int c) {
    return (c < 0xD800) || (c >= 0xE000 && c <= 0x10FFFF);
  }

  /** {@code OneCharLen}: the UTF-8 length announced by a lead byte. */
  static int oneCharLen(byte lead) {
    int hi = (lead & 0xFF) >>> 4;
    return hi < 12 ? 1 : hi < 14 ? 2 : hi == 14 ? 3 : 4;
  }
}
