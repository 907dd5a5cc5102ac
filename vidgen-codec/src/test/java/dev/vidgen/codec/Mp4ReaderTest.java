package dev.vidgen.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.VidgenException;
import dev.vidgen.api.Video;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcodec.api.FrameGrab;
import org.jcodec.codecs.h264.io.model.SeqParameterSet;
import org.jcodec.codecs.h264.io.model.VUIParameters;
import org.jcodec.common.io.ByteBufferSeekableByteChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Mp4Reader} reads what {@link Mp4Writer} writes: the same frames, in order, in the same colours. */
class Mp4ReaderTest {
  private static ByteBuffer mp4(Video video) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Mp4Writer().write(video, out, SaveOptions.DEFAULT);
    return ByteBuffer.wrap(out.toByteArray());
  }

  /**
   * Frame count, size and rate survive, and the pictures are close to the source: on Mp4WriterTest's 576x320 clip the
   * same bounds as ffmpeg's decoding there (mean PSNR at least 35 dB, flat patches within 2 levels on average and 3.5
   * at worst).
   */
  @Test
  void readsBackWhatTheWriterWrote() {
    int width = 576;
    int height = 320;
    Video source = TestClips.natural(width, height, 24, 24);
    Video read = Mp4Reader.read(mp4(source), null, "clip.mp4");
    assertEquals(24, read.numFrames());
    assertEquals(width, read.width());
    assertEquals(height, read.height());
    assertEquals(24, read.fps());
    double meanPsnr = 0;
    double worstPatch = 0;
    double patchSum = 0;
    int patchCount = 0;
    for (int f = 0; f < source.numFrames(); f++) {
      byte[] decoded = rgb24(read, f);
      meanPsnr += ImageMetrics.psnr(TestClips.rgb(source, f), decoded, 0) / source.numFrames();
      for (TestClips.Patch p : TestClips.PATCHES) {
        int border = 4;
        double[] mean = ImageMetrics.meanColour(decoded, 0, width, p.left(width) + border, p.top(height) + border,
            p.right(width) - border, p.bottom(height) - border);
        int[] expected = {p.color().getRed(), p.color().getGreen(), p.color().getBlue()};
        for (int c = 0; c < 3; c++) {
          double error = Math.abs(mean[c] - expected[c]);
          worstPatch = Math.max(worstPatch, error);
          patchSum += error;
          patchCount++;
        }
      }
    }
    System.out.printf("Mp4Reader round trip 576x320x24: mean PSNR %.2f dB, flat-patch error mean %.2f, worst %.2f "
        + "levels%n", meanPsnr, patchSum / patchCount, worstPatch);
    assertTrue(meanPsnr >= 35, "mean PSNR " + meanPsnr);
    assertTrue(patchSum / patchCount <= 2, "flat patches off by " + patchSum / patchCount + " levels on average");
    assertTrue(worstPatch <= 3.5, "flat patch off by " + worstPatch + " levels");
  }

  /** Frames come out in presentation order: each frame is one grey level, rising. */
  @Test
  void framesComeOutInOrder() {
    List<BufferedImage> images = new ArrayList<>();
    for (int f = 0; f < 12; f++) {
      BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setColor(new Color(20 * f, 20 * f, 20 * f));
      g.fillRect(0, 0, 32, 32);
      g.dispose();
      images.add(img);
    }
    Video read = Mp4Reader.read(mp4(Video.fromImages(images, 8)), null, "greys.mp4");
    assertEquals(12, read.numFrames());
    assertEquals(8, read.fps());
    for (int f = 0; f < 12; f++) {
      assertEquals(20 * f, read.value(f, 16, 16, 1) * 255, 2.0, "grey level of frame " + f);
    }
  }

  /**
   * B-frame streams decode out of order; frames are put in timestamp order in place. (JCodec's encoder writes no
   * B-frames, so this is checked on the reordering itself: decode order A B C D E shown as A C D B E.)
   */
  @Test
  void decodeOrderBecomesPresentationOrder() {
    float[] frames = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4}; // frames A..E of two values each
    Mp4Reader.toPresentationOrder(frames, new double[] {0.0, 0.3, 0.1, 0.2, 0.4}, 2);
    assertArrayEquals(new float[] {0, 0, 2, 2, 3, 3, 1, 1, 4, 4}, frames);
    float[] reversed = {0, 1, 2, 3};
    Mp4Reader.toPresentationOrder(reversed, new double[] {3, 2, 1, 0}, 1);
    assertArrayEquals(new float[] {3, 2, 1, 0}, reversed);
  }

  /** An odd size is written padded to even (4:2:0); the reader returns the written display size, cropped. */
  @Test
  void oddSizesComeBackAtTheWrittenDisplaySize() {
    Video read = Mp4Reader.read(mp4(TestClips.natural(33, 17, 3, 10)), null, "odd.mp4");
    assertEquals(34, read.width());
    assertEquals(18, read.height());
    assertEquals(3, read.numFrames());
  }

  /** The colour conversion follows the SPS's VUI: the writer's stream says BT.601 limited; others may say more. */
  @Test
  void colourFollowsTheStreamsDeclaration() throws Exception {
    FrameGrab grab = FrameGrab.createFrameGrab(ByteBufferSeekableByteChannel.readFromByteBuffer(
        mp4(TestClips.natural(32, 32, 2, 8))));
    SeqParameterSet written = Mp4Reader.sps(grab.getVideoTrack().getMeta());
    assertEquals(new Mp4Reader.YuvToRgb(0.299, 0.114, false, "BT.601", 0), Mp4Reader.YuvToRgb.of(written));

    SeqParameterSet sps = new SeqParameterSet();
    assertEquals(Mp4Reader.YuvToRgb.BT601_LIMITED, Mp4Reader.YuvToRgb.of(sps), "no VUI");
    sps.vuiParams = new VUIParameters();
    sps.vuiParams.videoSignalTypePresentFlag = true;
    sps.vuiParams.videoFullRangeFlag = true;
    sps.vuiParams.colourDescriptionPresentFlag = true;
    sps.vuiParams.matrixCoefficients = 1;
    assertEquals(new Mp4Reader.YuvToRgb(0.2126, 0.0722, true, "BT.709", 0), Mp4Reader.YuvToRgb.of(sps));
  }

  /**
   * What a generation service sends: x264 High profile with B-frames (decode order differs from display order),
   * BT.709 tags and an AAC audio track. Every frame must come out in display order and in the colours ffmpeg gives
   * when told the same chroma siting (H.264's default, type 0). Measured: 48 frames, JCodec's Y'CbCr identical to
   * ffmpeg's, RGB 32.3 dB mean PSNR against ffmpeg's bilinear conversion (89% of values identical; the rest at
   * saturated edges), worst frame 31.6 dB; a frame out of order scores 21-27 dB. Flat colours equal ffmpeg's.
   */
  @Test
  void readsX264HighProfileWithBFramesAndAudio(@TempDir Path dir) throws Exception {
    ExternalTool ffmpeg = ExternalTool.ffmpeg();
    Path clip = dir.resolve("service.mp4");
    ffmpeg.runOk(120, "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24:duration=2",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-profile:v", "high", "-pix_fmt",
        "yuv420p", "-bf", "3", "-g", "24", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
        "-c:a", "aac", "-shortest", "-movflags", "+faststart", clip.toString());
    Video read = Mp4Reader.read(clip, null);
    assertEquals(48, read.numFrames());
    assertEquals(320, read.width());
    assertEquals(180, read.height());
    assertEquals(24, read.fps());
    byte[] reference = ffmpeg.runOk(120, "-v", "error", "-nostdin", "-i", clip.toString(), "-vf",
        "scale=in_color_matrix=bt709:in_range=tv:in_h_chr_pos=0:in_v_chr_pos=128:"
            + "flags=bilinear+accurate_rnd+full_chroma_int", "-f", "rawvideo", "-pix_fmt", "rgb24", "-").stdout();
    int per = 320 * 180 * 3;
    assertEquals(48 * per, reference.length);
    double worst = 99;
    for (int f = 0; f < 48; f++) {
      double psnr = ImageMetrics.psnr(TestClips.rgb(read, f), reference, f * per);
      worst = Math.min(worst, psnr);
    }
    System.out.printf("Mp4Reader on x264 High + B-frames: worst frame %.2f dB against ffmpeg%n", worst);
    assertTrue(worst >= 30, "a frame is off (out of order?): " + worst + " dB");

    Path flat = dir.resolve("flat709.mp4");
    ffmpeg.runOk(120, "-v", "error", "-nostdin", "-f", "lavfi", "-i", "color=c=0xC81E28:size=64x64:rate=24:duration=1",
        "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p", "-c:v", "libx264", "-profile:v", "high",
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", flat.toString());
    byte[] flatRef = ffmpeg.runOk(120, "-v", "error", "-nostdin", "-i", flat.toString(), "-vf",
        "scale=in_color_matrix=bt709:in_range=tv:flags=accurate_rnd+full_chroma_int", "-frames:v", "1", "-f",
        "rawvideo", "-pix_fmt", "rgb24", "-").stdout();
    Video flatRead = Mp4Reader.read(flat, null);
    int centre = (32 * 64 + 32) * 3;
    for (int c = 0; c < 3; c++) {
      assertEquals(flatRef[centre + c] & 0xff, Video.toByte(flatRead.value(0, 32, 32, c)), 1, "channel " + c);
    }
  }

  @Test
  void somethingElseIsAnErrorNamingTheSource() {
    VidgenException e = assertThrows(VidgenException.class,
        () -> Mp4Reader.read(ByteBuffer.wrap("<html>expired</html>".getBytes()), null, "output 1 of task t-1"));
    assertTrue(e.getMessage().startsWith("output 1 of task t-1"), e.getMessage());
  }

  private static byte[] rgb24(Video v, int f) {
    int[] rgb = TestClips.rgb(v, f);
    byte[] out = new byte[rgb.length * 3];
    for (int i = 0; i < rgb.length; i++) {
      out[3 * i] = (byte) (rgb[i] >> 16);
      out[3 * i + 1] = (byte) (rgb[i] >> 8);
      out[3 * i + 2] = (byte) rgb[i];
    }
    return out;
  }
}
