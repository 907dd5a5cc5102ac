package dev.vidgen.codec;

/**
 * Finds the nearest palette colour (squared RGB distance) for any colour, exactly and fast.
 *
 * <p>The colour cube is divided into 2^15 cells (5 bits per channel). The first time a colour falls into a cell,
 * the cell gets the list of palette entries that can be nearest to some point inside it: every entry whose
 * smallest distance to the cell is at most the smallest largest-distance of any entry. A lookup then searches only
 * that short list. Colours are ints in [0, 255] per channel.
 */
final class PaletteIndex {
  private static final int BITS = 5;
  private static final int SIDE = 1 << BITS;
  private static final int CELL = 256 / SIDE;

  private final int[] red;
  private final int[] green;
  private final int[] blue;
  private final int[][] candidates = new int[SIDE * SIDE * SIDE][];

  PaletteIndex(int[] palette) {
    red = new int[palette.length];
    green = new int[palette.length];
    blue = new int[palette.length];
    for (int i = 0; i < palette.length; i++) {
      red[i] = (palette[i] >> 16) & 0xff;
      green[i] = (palette[i] >> 8) & 0xff;
      blue[i] = palette[i] & 0xff;
    }
  }

  /** Index of the palette colour nearest to (r, g, b). */
  int nearest(int r, int g, int b) {
    int cell = ((r >> (8 - BITS)) << (2 * BITS)) | ((g >> (8 - BITS)) << BITS) | (b >> (8 - BITS));
    int[] list = candidates[cell];
    if (list == null) {
      list = candidatesFor(r >> (8 - BITS), g >> (8 - BITS), b >> (8 - BITS));
      candidates[cell] = list;
    }
    int best = list[0];
    int bestDistance = Integer.MAX_VALUE;
    for (int i : list) {
      int dr = red[i] - r;
      int dg = green[i] - g;
      int db = blue[i] - b;
      int d = dr * dr + dg * dg + db * db;
      if (d < bestDistance) {
        bestDistance = d;
        best = i;
      }
    }
    return best;
  }

  private int[] candidatesFor(int cr, int cg, int cb) {
    int n = red.length;
    long[] minDistance = new long[n];
    long bound = Long.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      minDistance[i] = axisMin(red[i], cr) + axisMin(green[i], cg) + axisMin(blue[i], cb);
      long maxDistance = axisMax(red[i], cr) + axisMax(green[i], cg) + axisMax(blue[i], cb);
      bound = Math.min(bound, maxDistance);
    }
    int count = 0;
    for (int i = 0; i < n; i++) {
      count += minDistance[i] <= bound ? 1 : 0;
    }
    int[] list = new int[count];
    for (int i = 0, k = 0; i < n; i++) {
      if (minDistance[i] <= bound) {
        list[k++] = i;
      }
    }
    return list;
  }

  /** Smallest squared distance along one axis from value v to the cell [c*CELL, c*CELL + CELL - 1]. */
  private static long axisMin(int v, int c) {
    int lo = c * CELL;
    int hi = lo + CELL - 1;
    int d = v < lo ? lo - v : (v > hi ? v - hi : 0);
    return (long) d * d;
  }

  /** Largest squared distance along one axis from value v to any point of the cell. */
  private static long axisMax(int v, int c) {
    int lo = c * CELL;
    int hi = lo + CELL - 1;
    int d = Math.max(Math.abs(v - lo), Math.abs(v - hi));
    return (long) d * d;
  }
}
