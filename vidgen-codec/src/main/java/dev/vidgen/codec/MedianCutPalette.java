package dev.vidgen.codec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * One adaptive palette of at most 256 colours for a whole clip, by Heckbert's median cut.
 *
 * <p>If the clip holds 256 distinct colours or fewer (flat graphics), the palette is exactly those colours, so the
 * GIF is lossless. Otherwise the colours of every pixel of every frame go into a histogram of 2^18 cells (6 bits
 * per channel) that also keeps the exact sum of the colours in each cell. Median cut then splits the box of cells
 * with the largest "population times extent" along its longest axis at the population median, until there are 256
 * boxes; each palette entry is the population-weighted mean of the exact colours in its box (not the centre of a
 * cell), so smooth gradients keep their true tones.
 *
 * <p>One palette for the clip (rather than one per frame) keeps colours from flickering between frames.
 */
final class MedianCutPalette {
  static final int MAX_COLOURS = 256;
  private static final int BITS = 6;
  private static final int SIDE = 1 << BITS;

  private MedianCutPalette() {}

  /**
   * A palette as packed 0xRRGGBB, at most {@link #MAX_COLOURS} entries; {@code exact} when it holds every colour
   * of the clip.
   */
  record Palette(int[] colours, boolean exact) {}

  static Palette build(ClampedFrames frames) {
    int cells = SIDE * SIDE * SIDE;
    int[] count = new int[cells];
    long[] sumR = new long[cells];
    long[] sumG = new long[cells];
    long[] sumB = new long[cells];
    Set<Integer> distinct = new LinkedHashSet<>();
    boolean few = true;
    for (int f = 0; f < frames.numFrames(); f++) {
      for (int rgb : frames.rgb(f)) {
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        int cell = ((r >> (8 - BITS)) << (2 * BITS)) | ((g >> (8 - BITS)) << BITS) | (b >> (8 - BITS));
        count[cell]++;
        sumR[cell] += r;
        sumG[cell] += g;
        sumB[cell] += b;
        if (few && distinct.add(rgb) && distinct.size() > MAX_COLOURS) {
          few = false;
          distinct = Set.of();
        }
      }
    }
    if (few) {
      return new Palette(distinct.stream().mapToInt(Integer::intValue).toArray(), true);
    }

    // Occupied cells as entries: {r, g, b} cell coordinates, population.
    int occupied = 0;
    for (int c : count) {
      occupied += c > 0 ? 1 : 0;
    }
    int[] ids = new int[occupied];
    for (int cell = 0, i = 0; cell < cells; cell++) {
      if (count[cell] > 0) {
        ids[i++] = cell;
      }
    }
    PriorityQueue<Box> queue = new PriorityQueue<>((a, b) -> Double.compare(b.priority, a.priority));
    queue.add(new Box(ids, 0, ids.length, count));
    List<Box> done = new ArrayList<>();
    while (queue.size() + done.size() < MAX_COLOURS && !queue.isEmpty()) {
      Box box = queue.poll();
      if (box.end - box.start < 2) {
        done.add(box); // a single cell cannot be split
        continue;
      }
      Box[] halves = box.split(count);
      queue.add(halves[0]);
      queue.add(halves[1]);
    }
    done.addAll(queue);

    int[] palette = new int[done.size()];
    for (int i = 0; i < palette.length; i++) {
      Box box = done.get(i);
      long n = 0;
      long r = 0;
      long g = 0;
      long b = 0;
      for (int k = box.start; k < box.end; k++) {
        int cell = ids[k];
        n += count[cell];
        r += sumR[cell];
        g += sumG[cell];
        b += sumB[cell];
      }
      palette[i] = (int) ((r + n / 2) / n) << 16 | (int) ((g + n / 2) / n) << 8 | (int) ((b + n / 2) / n);
    }
    return new Palette(Arrays.stream(palette).distinct().toArray(), false);
  }

  /** A range {@code [start, end)} of the shared cell array, with its bounds and population. */
  private static final class Box {
    final int[] ids;
    final int start;
    final int end;
    final int[] min = {SIDE, SIDE, SIDE};
    final int[] max = {-1, -1, -1};
    final long population;
    final double priority;

    Box(int[] ids, int start, int end, int[] count) {
      this.ids = ids;
      this.start = start;
      this.end = end;
      long n = 0;
      for (int k = start; k < end; k++) {
        int cell = ids[k];
        n += count[cell];
        for (int axis = 0; axis < 3; axis++) {
          int v = coordinate(cell, axis);
          min[axis] = Math.min(min[axis], v);
          max[axis] = Math.max(max[axis], v);
        }
      }
      this.population = n;
      int extent = Math.max(max[0] - min[0], Math.max(max[1] - min[1], max[2] - min[2]));
      // Splitting pays where many pixels sit in a wide box; a box of one cell has nothing left to split.
      this.priority = end - start < 2 ? -1 : (double) n * extent;
    }

    static int coordinate(int cell, int axis) {
      return (cell >> (BITS * (2 - axis))) & (SIDE - 1);
    }

    /** Sorts the cells along the longest axis and cuts at the population median. */
    Box[] split(int[] count) {
      int axis = 0;
      for (int a = 1; a < 3; a++) {
        if (max[a] - min[a] > max[axis] - min[axis]) {
          axis = a;
        }
      }
      final int sortAxis = axis;
      Integer[] boxed = new Integer[end - start];
      for (int k = start; k < end; k++) {
        boxed[k - start] = ids[k];
      }
      Arrays.sort(boxed, (x, y) -> Integer.compare(coordinate(x, sortAxis), coordinate(y, sortAxis)));
      for (int k = start; k < end; k++) {
        ids[k] = boxed[k - start];
      }
      long half = population / 2;
      long seen = 0;
      int cut = start + 1;
      for (int k = start; k < end - 1; k++) {
        seen += count[ids[k]];
        cut = k + 1;
        if (seen >= half) {
          break;
        }
      }
      return new Box[] {new Box(ids, start, cut, count), new Box(ids, cut, end, count)};
    }
  }
}
