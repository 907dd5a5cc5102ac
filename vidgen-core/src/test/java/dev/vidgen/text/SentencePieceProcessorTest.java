package dev.vidgen.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vidgen.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pure-Java SentencePiece encoder against the C++ library. Expected pieces and ids were produced by
 * SentencePiece 0.1.97 (Debian bookworm {@code python3-sentencepiece}) with {@code sp.encode(text, out_type=str)}
 * and {@code sp.encode(text)} over {@code fixtures/ltx-tiny/model/tokenizer/spiece.model}. The texts exercise
 * the NFKC character map (ligatures, circled and full-width digits, half-width katakana, roman numerals),
 * whitespace collapsing (tabs, newlines, no-break space), runs of unknown characters merged into one piece,
 * characters outside the BMP, and control-piece look-alikes ({@code </s>} is not matched inside plain text).
 */
class SentencePieceProcessorTest {
  private record Case(String text, List<String> pieces, int[] ids) {}

  private static final List<Case> CASES = List.of(
      new Case("A woman is walking in the rain with a red umbrella",
          List.of("\u2581A", "\u2581wo", "m", "an", "\u2581is", "\u2581wa", "l", "k", "ing", "\u2581in", "\u2581the", "\u2581rain", "\u2581wi", "th", "\u2581a", "\u2581red", "\u2581u", "mb", "re", "lla"),
          new int[] {10, 129, 18, 30, 6, 46, 31, 37, 7, 11, 3, 98, 32, 53, 16, 170, 126, 95, 112, 184}),
      new Case("worst quality, blurry",
          List.of("\u2581", "wor", "st", "\u2581qu", "al", "ity", ",", "\u2581blu", "rr", "y"),
          new int[] {4, 132, 78, 50, 29, 39, 8, 86, 185, 23}),
      new Case("  H\u00e9llo   WORLD!!  \ufb01 \u2460\uff12\uff13 \uff76\uff80\uff76\uff85 ",
          List.of("\u2581", "H", "\u00e9", "l", "l", "o", "\u2581", "WOR", "L", "D!!", "\u2581f", "i", "\u2581", "123", "\u2581", "\u30ab\u30bf\u30ab\u30ca"),
          new int[] {4, 165, 2, 31, 31, 26, 4, 2, 166, 2, 77, 138, 4, 2, 4, 2}),
      new Case("x\u00a0y\tz\n",
          List.of("\u2581", "x", "\u2581", "y", "\u2581", "z"),
          new int[] {4, 210, 4, 23, 4, 2}),
      new Case("\u00e9moji \ud83c\udf89 test \u2177",
          List.of("\u2581", "\u00e9", "m", "o", "j", "i", "\u2581", "\ud83c\udf89", "\u2581t", "e", "st", "\u2581v", "i", "i", "i"),
          new int[] {4, 2, 18, 26, 167, 138, 4, 2, 52, 9, 78, 99, 138, 138, 138}),
      new Case("",
          List.of(),
          new int[] {}),
      new Case("   ",
          List.of(),
          new int[] {}),
      new Case("ABC xyz QQQ \ud83d\ude00\ud83d\ude00",
          List.of("\u2581A", "BC", "\u2581", "x", "y", "z", "\u2581", "QQQ", "\u2581", "\ud83d\ude00\ud83d\ude00"),
          new int[] {10, 2, 4, 210, 23, 2, 4, 2, 4, 2}),
      new Case("\u00dcber Stra\u00dfe caf\u00e9 na\u00efve",
          List.of("\u2581", "\u00dc", "b", "er", "\u2581", "S", "t", "ra", "\u00df", "e", "\u2581ca", "f", "\u00e9", "\u2581", "n", "a", "\u00ef", "ve"),
          new int[] {4, 2, 140, 34, 4, 163, 12, 201, 2, 9, 64, 27, 2, 4, 17, 36, 2, 71}),
      new Case("<s> </s> <pad>",
          List.of("\u2581", "<", "s", ">", "\u2581", "</", "s", ">", "\u2581", "<", "pa", "d", ">"),
          new int[] {4, 2, 14, 2, 4, 2, 14, 2, 4, 2, 161, 20, 2}));

  @Test
  void piecesAndIdsEqualTheCxxLibrary() {
    SentencePieceProcessor sp = SentencePieceProcessor.load(
        Fixtures.caseDir("ltx-tiny").resolve("model/tokenizer/spiece.model"));
    for (Case c : CASES) {
      assertEquals(c.pieces(), sp.encodeAsPieces(c.text()), () -> "pieces of '" + c.text() + "'");
      assertArrayEquals(c.ids(), sp.encodeAsIds(c.text()), () -> "ids of '" + c.text() + "'");
    }
  }

  @Test
  void pieceToIdFallsBackToUnknown() {
    SentencePieceProcessor sp = SentencePieceProcessor.load(
        Fixtures.caseDir("ltx-tiny").resolve("model/tokenizer/spiece.model"));
    assertEquals(sp.unkId(), sp.pieceToId("no such piece"));
    assertEquals(1, sp.pieceToId("</s>"));
    assertEquals(0, sp.pieceToId("<pad>"));
  }
}
