package dev.vidgen.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Pillow parity of the Lanczos resize, exactly (8-bit output): golden values from Pillow 9.4.0 (the reference
 * environment's), made by {@code make_pil_lanczos_golden.py} beside {@code pil_lanczos_golden.txt}.
 */
class PilImageTest {
  private static PilImage pattern() {
    int w = 37;
    int h = 23;
    int[] rgb = new int[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          rgb[(y * w + x) * 3 + c] = (x * x * 7 + y * 13 + c * 29 + x * y) % 256;
        }
      }
    }
    return new PilImage(w, h, rgb);
  }

  @Test
  void lanczosResizeEqualsPillow() throws IOException {
    int cases = 0;
    try (var in = PilImageTest.class.getResourceAsStream("pil_lanczos_golden.txt");
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("#")) {
          continue;
        }
        String[] parts = line.trim().split(" ");
        int w = Integer.parseInt(parts[0]);
        int h = Integer.parseInt(parts[1]);
        int[] expected = Arrays.stream(parts, 2, parts.length).mapToInt(Integer::parseInt).toArray();
        PilImage out = pattern().resizeLanczos(w, h);
        assertEquals(w, out.width());
        assertEquals(h, out.height());
        assertArrayEquals(expected, out.rgb(), "LANCZOS resize to " + w + "x" + h);
        cases++;
      }
    }
    assertTrue(cases >= 4, "golden file has " + cases + " cases");
  }

  @Test
  void greyImagesRepeatTheirLevelWithoutGamma() {
    BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setSample(0, 0, 0, 100);
    grey.getRaster().setSample(1, 0, 0, 200);
    assertArrayEquals(new int[] {100, 100, 100, 200, 200, 200}, PilImage.fromBufferedImage(grey).rgb());
  }
}
