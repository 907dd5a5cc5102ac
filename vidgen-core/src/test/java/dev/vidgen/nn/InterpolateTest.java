package dev.vidgen.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * Bicubic interpolation against values derived by hand from torch's kernel definition (A = −0.75, clamped taps).
 * Its parity with torch at scale is checked by the SVD image-encoder preprocessing test against diffusers' fixture.
 */
class InterpolateTest {
  /**
   * 2×2 → 3×3, align_corners=False. Width pass at output 0: source −1/6, taps (0, 0, 0, 1) with last weight
   * cc2(7/6) = −0.0868056, so row values are (−0.0868, 0.5, 1.0868) and (1.9132, 2.5, 3.0868); the height pass
   * combines rows the same way.
   */
  @Test
  void bicubicAlignCornersFalseSmallCase() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(new float[] {0, 1, 2, 3}, new Shape(1, 1, 2, 2));
      double w3 = -0.0868055556;
      double[] row0 = {w3, 0.5, 1 - w3};
      double[] row1 = {2 + w3, 2.5, 3 - w3};
      float[] expected = new float[9];
      for (int c = 0; c < 3; c++) {
        expected[c] = (float) (row0[c] * (1 - w3) + row1[c] * w3);
        expected[3 + c] = (float) (0.5 * row0[c] + 0.5 * row1[c]);
        expected[6 + c] = (float) (row0[c] * w3 + row1[c] * (1 - w3));
      }
      assertArrayEquals(expected, Interpolate.bicubic(x, 3, 3, false).toFloatArray(), 1e-6f);
      assertEquals(-0.2604167f, expected[0], 1e-6f);
    }
  }

  /**
   * align_corners=True keeps the corners exactly; inside (where no tap is clamped) cubic convolution reproduces a
   * linear ramp; next to the border the clamped tap gives 0 + 0 + 0.59375·1 − 0.09375·2 = 0.40625 at x = 0.5.
   */
  @Test
  void bicubicAlignCornersTrue() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray ramp = m.arange(0f, 5f, 1f).reshape(1, 1, 1, 5).broadcast(new Shape(1, 1, 3, 5)); // value = column
      float[] out = Interpolate.bicubic(ramp, 3, 9, true).toFloatArray(); // source x = 0.5 * column
      for (int r = 0; r < 3; r++) {
        assertEquals(0f, out[r * 9], 0f);
        assertEquals(4f, out[r * 9 + 8], 1e-6f);
        for (int c = 2; c <= 5; c++) {
          assertEquals(c * 0.5f, out[r * 9 + c], 1e-6f);
        }
        assertEquals(0.40625f, out[r * 9 + 1], 1e-6f);
      }
    }
  }
}
