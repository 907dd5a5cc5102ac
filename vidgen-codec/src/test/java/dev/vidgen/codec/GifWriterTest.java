package dev.vidgen.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.Video;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Animated GIFs read back with ImageIO's GIF reader. */
class GifWriterTest {
  @TempDir Path dir;

  /** A GIF as ImageIO reads it: frames (full size, as we write them) and each frame's delay. */
  record Decoded(List<BufferedImage> frames, List<Integer> delays, boolean loopsForever) {}

  static Decoded read(byte[] gif) throws Exception {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("gif");
    ImageReader reader = readers.next();
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(gif))) {
      reader.setInput(in);
      int n = reader.getNumImages(true);
      List<BufferedImage> frames = new ArrayList<>();
      List<Integer> delays = new ArrayList<>();
      boolean loops = false;
      for (int i = 0; i < n; i++) {
        frames.add(reader.read(i));
        IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(i).getAsTree("javax_imageio_gif_image_1.0");
        IIOMetadataNode control = (IIOMetadataNode) root.getElementsByTagName("GraphicControlExtension").item(0);
        delays.add(Integer.parseInt(control.getAttribute("delayTime")));
        var apps = root.getElementsByTagName("ApplicationExtension");
        for (int a = 0; a < apps.getLength(); a++) {
          IIOMetadataNode app = (IIOMetadataNode) apps.item(a);
          byte[] data = (byte[]) app.getUserObject();
          if ("NETSCAPE".equals(app.getAttribute("applicationID")) && data.length == 3 && data[0] == 1
              && data[1] == 0 && data[2] == 0) {
            loops = true;
          }
        }
      }
      return new Decoded(frames, delays, loops);
    } finally {
      reader.dispose();
    }
  }

  /** 200 grey levels plus a few colours: more than any fixed web palette has, but fewer than 256, so exact. */
  static Video fewColours(int frames) {
    int width = 200;
    int height = 24;
    float[] data = new float[frames * height * width * 3];
    for (int f = 0; f < frames; f++) {
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int i = ((f * height + y) * width + x) * 3;
          if (y < 16) {
            data[i] = data[i + 1] = data[i + 2] = x / 255f; // grey ramp 0..199
          } else {
            boolean on = ((x / 8) + f) % 3 == 0; // moving stripes of a saturated colour
            data[i] = on ? 250 / 255f : 10 / 255f;
            data[i + 1] = on ? 120 / 255f : 30 / 255f;
            data[i + 2] = on ? 7 / 255f : 90 / 255f;
          }
        }
      }
    }
    return new Video(data, frames, height, width, 10, null);
  }

  @ParameterizedTest
  @EnumSource(GifWriter.Dither.class)
  void clipWithFewColoursIsLossless(GifWriter.Dither dither) throws Exception {
    Video video = fewColours(4);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new GifWriter(dither).write(video, out, SaveOptions.DEFAULT);
    Decoded gif = read(out.toByteArray());
    assertEquals(4, gif.frames().size());
    for (int f = 0; f < 4; f++) {
      BufferedImage frame = gif.frames().get(f);
      assertArrayEquals(TestClips.rgb(video, f), frame.getRGB(0, 0, 200, 24, null, 0, 200),
          "frame " + f + " with " + dither);
    }
  }

  /**
   * A natural clip (thousands of colours) through the median-cut palette: PSNR against the source and mean error
   * per channel, for each dithering. Floyd–Steinberg trades per-pixel error for smooth averages, so its PSNR is the
   * lowest while its local means are the best.
   */
  @ParameterizedTest
  @EnumSource(GifWriter.Dither.class)
  void naturalClipWithinQuantisation(GifWriter.Dither dither) throws Exception {
    int width = 160;
    int height = 96;
    int frames = 6;
    Video video = TestClips.natural(width, height, frames, 8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new GifWriter(dither).write(video, out, SaveOptions.DEFAULT);
    Decoded gif = read(out.toByteArray());
    assertEquals(frames, gif.frames().size());
    double meanPsnr = 0;
    double meanAbs = 0;
    for (int f = 0; f < frames; f++) {
      int[] source = TestClips.rgb(video, f);
      int[] decoded = gif.frames().get(f).getRGB(0, 0, width, height, null, 0, width);
      byte[] rgb24 = new byte[decoded.length * 3];
      long abs = 0;
      for (int p = 0; p < decoded.length; p++) {
        for (int c = 0; c < 3; c++) {
          int d = (decoded[p] >> (16 - 8 * c)) & 0xff;
          rgb24[3 * p + c] = (byte) d;
          abs += Math.abs(d - ((source[p] >> (16 - 8 * c)) & 0xff));
        }
      }
      meanPsnr += ImageMetrics.psnr(source, rgb24, 0) / frames;
      meanAbs += abs / (3.0 * decoded.length) / frames;
    }
    System.out.printf("GIF %s: mean PSNR %.2f dB, mean abs error %.2f levels, %d bytes%n", dither, meanPsnr,
        meanAbs, out.size());
    assertTrue(meanPsnr >= 30, dither + ": PSNR " + meanPsnr);
    assertTrue(meanAbs <= 4, dither + ": mean abs error " + meanAbs);
  }

  @Test
  void loopsForeverWithDelaysFromFps() throws Exception {
    Video video = fewColours(24);
    Video at24 = new Video(video.frames(), 24, video.height(), video.width(), 24, null);
    Path file = dir.resolve("clip.gif");
    at24.save(file);
    Decoded gif = read(Files.readAllBytes(file));
    assertTrue(gif.loopsForever(), "NETSCAPE2.0 loop count 0");
    assertEquals(100, gif.delays().stream().mapToInt(Integer::intValue).sum(), "24 frames at 24 fps = 1 s");
    assertTrue(gif.delays().stream().allMatch(d -> d == 4 || d == 5), "delays " + gif.delays());
    assertEquals(List.of(13, 12, 13, 12), List.of(GifWriter.delayHundredths(0, 8), GifWriter.delayHundredths(1, 8),
        GifWriter.delayHundredths(2, 8), GifWriter.delayHundredths(3, 8)));
    assertEquals(14, GifWriter.delayHundredths(0, 7));
  }

  @Test
  void paletteIsAdaptiveAndComplete() {
    Video video = TestClips.natural(120, 80, 3, 8);
    ClampedFrames frames = ClampedFrames.of(video, "test");
    MedianCutPalette.Palette palette = MedianCutPalette.build(frames);
    assertEquals(false, palette.exact());
    assertEquals(256, palette.colours().length, "a natural clip uses the whole palette");
    // adaptive: every patch colour of the clip is matched within a few levels by some entry
    PaletteIndex index = new PaletteIndex(palette.colours());
    for (TestClips.Patch patch : TestClips.PATCHES) {
      int c = palette.colours()[index.nearest(patch.color().getRed(), patch.color().getGreen(),
          patch.color().getBlue())];
      int distance = Math.abs(((c >> 16) & 0xff) - patch.color().getRed())
          + Math.abs(((c >> 8) & 0xff) - patch.color().getGreen()) + Math.abs((c & 0xff) - patch.color().getBlue());
      assertTrue(distance <= 6, "patch " + patch.color() + " nearest palette colour " + Integer.toHexString(c));
    }
  }

  @Test
  void nearestColourSearchIsExact() {
    java.util.Random random = new java.util.Random(7);
    int[] palette = new int[200];
    for (int i = 0; i < palette.length; i++) {
      palette[i] = random.nextInt(1 << 24);
    }
    PaletteIndex index = new PaletteIndex(palette);
    for (int k = 0; k < 20_000; k++) {
      int r = random.nextInt(256);
      int g = random.nextInt(256);
      int b = random.nextInt(256);
      int best = Integer.MAX_VALUE;
      for (int c : palette) {
        int dr = ((c >> 16) & 0xff) - r;
        int dg = ((c >> 8) & 0xff) - g;
        int db = (c & 0xff) - b;
        best = Math.min(best, dr * dr + dg * dg + db * db);
      }
      int c = palette[index.nearest(r, g, b)];
      int dr = ((c >> 16) & 0xff) - r;
      int dg = ((c >> 8) & 0xff) - g;
      int db = (c & 0xff) - b;
      assertEquals(best, dr * dr + dg * dg + db * db, "colour " + r + "," + g + "," + b);
    }
  }

  @Test
  void writerIsFoundByExtension() {
    assertNotNull(Video.writerFor(Path.of("a.GIF")));
    assertEquals("gif", Video.writerFor(Path.of("a.gif")).name());
    assertEquals("mp4", Video.writerFor(Path.of("dir/a.mp4")).name());
    assertEquals("png-frames", Video.writerFor(Path.of("frames")).name());
  }
}
