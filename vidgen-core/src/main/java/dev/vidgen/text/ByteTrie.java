package dev.vidgen.text;

import java.util.HashMap;
import java.util.Map;

/** A trie over UTF-8 byte strings mapping each key to an int (SentencePiece's piece and symbol tries). */
final class ByteTrie {
  private static final class Node {
    final Map<Integer, Node> next = new HashMap<>();
    int value = -1;
  }

  private final Node root = new Node();

  void put(byte[] key, int value) {
    Node n = root;
    for (byte b : key) {
      n = n.next.computeIfAbsent(b & 0xFF, k -> new Node());
    }
    n.value = value;
  }

  /** The value of {@code key}, or -1. */
  int get(byte[] key) {
    Node n = root;
    for (byte b : key) {
      n = n.next.get(b & 0xFF);
      if (n == null) {
        return -1;
      }
    }
    return n.value;
  }

  /** Length of the longest key that is a prefix of {@code s[pos..]}, or 0. */
  int longestPrefix(byte[] s, int pos) {
    Node n = root;
    int best = 0;
    for (int i = pos; i < s.length; i++) {
      n = n.next.get(s[i] & 0xFF);
      if (n == null) {
        break;
      }
      if (n.value >= 0) {
        best = i + 1 - pos;
      }
    }
    return best;
  }

  /**
   * Calls {@code visitor} for every key that is a prefix of {@code s[pos..]}, shortest first (darts-clone's
   * {@code traverse} one byte at a time).
   */
  void forEachPrefix(byte[] s, int pos, PrefixVisitor visitor) {
    Node n = root;
    for (int i = pos; i < s.length; i++) {
      n = n.next.get(s[i] & 0xFF);
      if (n == null) {
        return;
      }
      if (n.value >= 0) {
        visitor.visit(i + 1, n.value);
      }
    }
  }

  interface PrefixVisitor {
    void visit(int end, int value);
  }
}
