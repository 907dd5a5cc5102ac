package dev.vidgen.text;

import dev.vidgen.api.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pure-Java reading of a SentencePiece {@code .model} file (the {@code ModelProto} protobuf) and its unigram
 * encoder: port of SentencePiece's {@code src/model_interface.cc} (piece tables), {@code src/unigram_model.cc}
 * ({@code Model::EncodeOptimized}, the Viterbi search over the pieces) and {@code src/sentencepiece_processor.cc}
 * ({@code PopulateSentencePieceText}: runs of unknown pieces merged, byte fallback), with the normalisation of
 * {@link SentencePieceNormalizer}. It answers what Python's {@code SentencePieceProcessor.encode(text,
 * out_type=str)} and {@code piece_to_id} answer, which is all a slow Hugging Face tokenizer asks of it.
 *
 * <p>Only the unigram model type is supported (T5, mT5, UL2 and the other SentencePiece tokenizers of video
 * pipelines); a BPE model is rejected with a message.
 */
public final class SentencePieceProcessor {
  /** {@code ModelProto.SentencePiece.Type}. */
  enum PieceType {
    NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    static PieceType of(int code) {
      return switch (code) {
        case 1 -> NORMAL;
        case 2 -> UNKNOWN;
        case 3 -> CONTROL;
        case 4 -> USER_DEFINED;
        case 5 -> UNUSED;
        case 6 -> BYTE;
        default -> throw new IllegalArgumentException("unknown piece type " + code);
      };
    }
  }

  private static final float UNK_PENALTY = 10.0f; // kUnkPenalty

  private final String source;
  private final String[] pieces;
  private final float[] scores;
  private final PieceType[] types;
  private final ByteTrie pieceTrie; // NORMAL, USER_DEFINED and UNUSED pieces (pieces_)
  private final Map<String, Integer> reserved; // CONTROL, UNKNOWN and BYTE pieces (reserved_id_map_)
  private final int unkId;
  private final boolean byteFallback;
  private final float minScore;
  private final float maxScore;
  private final SentencePieceNormalizer normalizer;

  private SentencePieceProcessor(String source, String[] pieces, float[] scores, PieceType[] types,
      boolean byteFallback, SentencePieceNormalizer normalizer, ByteTrie pieceTrie, Map<String, Integer> reserved,
      int unkId) {
    this.source = source;
    this.pieces = pieces;
    this.scores = scores;
    this.types = types;
    this.byteFallback = byteFallback;
    this.normalizer = normalizer;
    this.pieceTrie = pieceTrie;
    this.reserved = reserved;
    this.unkId = unkId;
    float min = Float.MAX_VALUE;
    float max = Float.MIN_NORMAL; // FLT_MIN, as the C++ starts
    for (int i = 0; i < pieces.length; i++) {
      if (types[i] == PieceType.NORMAL) {
        min = Math.min(min, scores[i]);
        max = Math.max(max, scores[i]);
      }
    }
    this.minScore = min;
    this.maxScore = max;
  }

  /** Reads a {@code spiece.model}; a malformed or unsupported file is a {@link ConfigException} naming it. */
  public static SentencePieceProcessor load(Path modelFile) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(modelFile);
    } catch (IOException e) {
      throw new ConfigException(modelFile + ": cannot read SentencePiece model: " + e.getMessage(), e);
    }
    try {
      return parse(modelFile.toString(), bytes);
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new ConfigException(modelFile + ": not a valid SentencePiece model: " + e.getMessage(), e);
    }
  }

  static SentencePieceProcessor parse(String source, byte[] bytes) {
    List<String> pieceList = new ArrayList<>();
    List<Float> scoreList = new ArrayList<>();
    List<PieceType> typeList = new ArrayList<>();
    int modelType = 1;
    boolean byteFallback = false;
    boolean treatWsAsSuffix = false;
    byte[] charsmap = null;
    boolean addDummyPrefix = true;
    boolean removeExtraWhitespaces = true;
    boolean escapeWhitespaces = true;
    ProtoReader r = new ProtoReader(bytes, 0, bytes.length);
    while (r.more()) {
      int tag = r.tag();
      int field = tag >>> 3;
      if (field == 1 && (tag & 7) == 2) { // pieces
        ProtoReader p = r.message();
        String piece = "";
        float score = 0f;
        int type = 1;
        while (p.more()) {
          int t = p.tag();
          switch (t >>> 3) {
            case 1 -> piece = new String(p.bytes(), StandardCharsets.UTF_8);
            case 2 -> score = p.float32(t);
            case 3 -> type = (int) p.varint();
            default -> p.skip(t);
          }
        }
        pieceList.add(piece);
        scoreList.add(score);
        typeList.add(PieceType.of(type));
      } else if (field == 2 && (tag & 7) == 2) { // trainer_spec
        ProtoReader t = r.message();
        while (t.more()) {
          int tt = t.tag();
          switch (tt >>> 3) {
            case 3 -> modelType = (int) t.varint();
            case 24 -> treatWsAsSuffix = t.varint() != 0;
            case 35 -> byteFallback = t.varint() != 0;
            default -> t.skip(tt);
          }
        }
      } else if (field == 3 && (tag & 7) == 2) { // normalizer_spec
        ProtoReader n = r.message();
        while (n.more()) {
          int nt = n.tag();
          switch (nt >>> 3) {
            case 2 -> charsmap = n.bytes();
            case 3 -> addDummyPrefix = n.varint() != 0;
            case 4 -> removeExtraWhitespaces = n.varint() != 0;
            case 5 -> escapeWhitespaces = n.varint() != 0;
            default -> n.skip(nt);
          }
        }
      } else {
        r.skip(tag);
      }
    }
    if (modelType != 1) {
      throw new IllegalArgumentException("model_type " + modelType + " (only UNIGRAM = 1 is supported)");
    }
    int n = pieceList.size();
    if (n == 0) {
      throw new IllegalArgumentException("no pieces");
    }
    String[] pieces = pieceList.toArray(new String[0]);
    float[] scores = new float[n];
    PieceType[] types = typeList.toArray(new PieceType[0]);
    ByteTrie trie = new ByteTrie();
    ByteTrie userDefined = null;
    Map<String, Integer> reserved = new HashMap<>();
    Map<String, Integer> normal = new HashMap<>();
    int unk = -1;
    for (int i = 0; i < n; i++) {
      scores[i] = scoreList.get(i);
      if (pieces[i].isEmpty()) {
        throw new IllegalArgumentException("piece " + i + " is empty");
      }
      boolean isNormal = types[i] == PieceType.NORMAL || types[i] == PieceType.USER_DEFINED
          || types[i] == PieceType.UNUSED;
      Map<String, Integer> table = isNormal ? normal : reserved;
      if (table.putIfAbsent(pieces[i], i) != null) {
        throw new IllegalArgumentException("piece '" + pieces[i] + "' is defined twice");
      }
      if (isNormal) {
        trie.put(pieces[i].getBytes(StandardCharsets.UTF_8), i);
      }
      if (types[i] == PieceType.USER_DEFINED) {
        if (userDefined == null) {
          userDefined = new ByteTrie();
        }
        userDefined.put(pieces[i].getBytes(StandardCharsets.UTF_8), i);
      }
      if (types[i] == PieceType.UNKNOWN) {
        if (unk >= 0) {
          throw new IllegalArgumentException("unk is defined twice");
        }
        unk = i;
      }
      if (types[i] == PieceType.BYTE && !byteFallback) {
        throw new IllegalArgumentException("byte piece " + pieces[i] + " found although byte_fallback is false");
      }
    }
    if (unk < 0) {
      throw new IllegalArgumentException("unk is not defined");
    }
    SentencePieceNormalizer normalizer = new SentencePieceNormalizer(charsmap, addDummyPrefix,
        removeExtraWhitespaces, escapeWhitespaces, treatWsAsSuffix, userDefined);
    return new SentencePieceProcessor(source, pieces, scores, types, byteFallback, normalizer, trie, reserved, unk);
  }

  /**
   * The same model with the normaliser's {@code add_dummy_prefix} forced (transformers' {@code get_spm_processor}
   * turns it off for non-legacy T5/Llama tokenizers).
   */
  public SentencePieceProcessor withAddDummyPrefix(boolean add) {
    return new SentencePieceProcessor(source, pieces, scores, types, byteFallback,
        normalizer.withAddDummyPrefix(add), pieceTrie, reserved, unkId);
  }

  /** Number of pieces ({@code get_piece_size()}, {@code len(sp_model)}). */
  public int pieceSize() {
    return pieces.length;
  }

  public String idToPiece(int id) {
    return pieces[id];
  }

  public int unkId() {
    return unkId;
  }

  /** {@code piece_to_id}: control/unknown/byte pieces first, then the normal ones, else the unknown id. */
  public int pieceToId(String piece) {
    Integer r = reserved.get(piece);
    if (r != null) {
      return r;
    }
    int id = pieceTrie.get(piece.getBytes(StandardCharsets.UTF_8));
    return id < 0 ? unkId : id;
  }

  /** {@code encode(text, out_type=str)}: the pieces of the normalised text along the best unigram path. */
  public List<String> encodeAsPieces(String text) {
    byte[] normalized = normalizer.normalize(text.getBytes(StandardCharsets.UTF_8));
    int[][] path = encodeOptimized(normalized); // (start, end, id) per piece
    List<String> out = new ArrayList<>();
    boolean prevUnk = false;
    for (int[] node : path) {
      int id = node[2];
      boolean isUnk = types[id] == PieceType.UNKNOWN;
      String w = new String(normalized, node[0], node[1] - node[0], StandardCharsets.UTF_8);
      if (types[id] == PieceType.CONTROL) {
        out.add(w);
      } else if (isUnk && byteFallback) {
        // Decomposes an unknown piece into its UTF-8 bytes.
        for (int i = node[0]; i < node[1]; i++) {
          out.add(String.format("<0x%02X>", normalized[i] & 0xFF));
        }
      } else if (prevUnk && isUnk) {
        // Merges a run of unknown pieces into one.
        out.set(out.size() - 1, out.get(out.size() - 1) + w);
      } else {
        out.add(w);
      }
      prevUnk = isUnk;
    }
    return out;
  }

  /** {@code encode(text)}: ids, i.e. {@link #encodeAsPieces} mapped through {@link #pieceToId}. */
  public int[] encodeAsIds(String text) {
    return encodeAsPieces(text).stream().mapToInt(this::pieceToId).toArray();
  }

  /**
   * {@code Model::EncodeOptimized}: the Viterbi best path over byte positions. Score arithmetic follows the C++
   * types: a piece score enters as {@code double} (the conditional with the user-defined bonus {@code length *
   * max_score - 0.1} is a double expression), sums are compared in double and stored as float.
   */
  private int[][] encodeOptimized(byte[] s) {
    int size = s.length;
    if (size == 0) {
      return new int[0][];
    }
    float unkScore = minScore - UNK_PENALTY;
    int[] bestId = new int[size + 1];
    float[] bestScore = new float[size + 1];
    int[] startsAtOf = new int[size + 1];
    java.util.Arrays.fill(startsAtOf, -1);
    java.util.Arrays.fill(bestId, -1);
    int startsAt = 0;
    while (startsAt < size) {
      final int start = startsAt;
      final float tillHere = bestScore[start];
      final int mblen = Math.min(SentencePieceNormalizer.oneCharLen(s[start]), size - start);
      boolean[] hasSingleNode = {false};
      pieceTrie.forEachPrefix(s, start, (end, id) -> {
        if (types[id] == PieceType.UNUSED) {
          return;
        }
        int length = end - start;
        double score = types[id] == PieceType.USER_DEFINED ? (double) ((float) length * maxScore) - 0.1
            : (double) scores[id];
        double candidate = score + (double) tillHere;
        if (startsAtOf[end] == -1 || candidate > (double) bestScore[end]) {
          bestScore[end] = (float) candidate;
          startsAtOf[end] = start;
          bestId[end] = id;
        }
        if (!hasSingleNode[0] && length == mblen) {
          hasSingleNode[0] = true;
        }
      });
      if (!hasSingleNode[0]) {
        int end = start + mblen;
        float candidate = unkScore + tillHere;
        if (startsAtOf[end] == -1 || candidate > bestScore[end]) {
          bestScore[end] = candidate;
          startsAtOf[end] = start;
          bestId[end] = unkId;
        }
      }
      startsAt += mblen;
    }
    List<int[]> rev = new ArrayList<>();
    int endsAt = size;
    while (endsAt > 0) {
      int st = startsAtOf[endsAt];
      rev.add(new int[] {st, endsAt, bestId[endsAt]});
      endsAt = st;
    }
    int[][] out = new int[rev.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = rev.get(rev.size() - 1 - i);
    }
    return out;
  }

  @Override
  public String toString() {
    return "SentencePieceProcessor[" + source + ", " + pieces.length + " pieces]";
  }

  /** Minimal protobuf wire-format reader for the fields a {@code ModelProto} needs. */
  private static final class ProtoReader {
    private final byte[] b;
    private int pos;
    private final int end;

    ProtoReader(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    int tag() {
      return (int) varint();
    }

    long varint() {
      long v = 0;
      int shift = 0;
      while (true) {
        if (pos >= end) {
          throw new IllegalArgumentException("truncated varint");
        }
        int x = b[pos++] & 0xFF;
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
        shift += 7;
        if (shift > 63) {
          throw new IllegalArgumentException("malformed varint");
        }
      }
    }

    byte[] bytes() {
      int len = (int) varint();
      if (len < 0 || pos + len > end) {
        throw new IllegalArgumentException("length " + len + " exceeds the message");
      }
      byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + len);
      pos += len;
      return out;
    }

    ProtoReader message() {
      int len = (int) varint();
      if (len < 0 || pos + len > end) {
        throw new IllegalArgumentException("length " + len + " exceeds the message");
      }
      ProtoReader r = new ProtoReader(b, pos, pos + len);
      pos += len;
      return r;
    }

    float float32(int tag) {
      if ((tag & 7) != 5) {
        throw new IllegalArgumentException("expected a fixed32 float, wire type " + (tag & 7));
      }
      int bits = (b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8 | (b[pos + 2] & 0xFF) << 16 | (b[pos + 3] & 0xFF) << 24;
      pos += 4;
      return Float.intBitsToFloat(bits);
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> {
          int len = (int) varint();
          pos += len;
        }
        case 5 -> pos += 4;
        default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7));
      }
      if (pos > end) {
        throw new IllegalArgumentException("field runs past the message end");
      }
    }
  }
}
