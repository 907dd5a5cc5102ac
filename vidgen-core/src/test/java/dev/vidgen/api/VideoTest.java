package dev.vidgen.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class VideoTest {
  /** 2 frames of 2x3, every value distinct. */
  private static Video small() {
    float[] v = new float[2 * 2 * 3 * 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = i / (float) v.length;
    }
    return new Video(v, 2, 2, 3, 8, null);
  }

  @Test
  void scaledRepeatsEveryPixelFactorTimesAcrossAndDown() {
    Video a = small();
    Video b = a.scaled(3);
    assertEquals(2, b.numFrames());
    assertEquals(6, b.height());
    assertEquals(9, b.width());
    assertEquals(8, b.fps());
    for (int f = 0; f < 2; f++) {
      for (int y = 0; y < 6; y++) {
        for (int x = 0; x < 9; x++) {
          for (int c = 0; c < 3; c++) {
            assertEquals(a.value(f, y / 3, x / 3, c), b.value(f, y, x, c), "frame " + f + " y " + y + " x " + x);
          }
        }
      }
    }
  }

  @Test
  void scaleOneIsTheSameVideoAndBadFactorsAreRejected() {
    Video a = small();
    assertSame(a, a.scaled(1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.scaled(0));
    assertEquals("scale factor must be >= 1 and keep frames within 8192 pixels, got 0 for 3x2", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> a.scaled(5000));
  }
}
