package dev.vidgen.codec;

import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Rect;

/**
 * RGB in [0, 1] to 8-bit Y'CbCr 4:2:0 with the ITU-R BT.601 matrix in limited ("TV", "studio") range: Y' in
 * [16, 235], Cb and Cr in [16, 240]. This is what players assume for H.264 that carries no colour description, and
 * the SPS written by {@link TaggedH264Encoder} also says so explicitly.
 *
 * <p>JCodec's own {@code RgbToYuv420j} uses full range without flagging it in the bitstream, which is why videos
 * made with it look too dark and too saturated in browsers; vidgen does not use it.
 *
 * <p>The picture is padded to whole 16x16 macroblocks by repeating the last column and row (which compresses better
 * than black and keeps edge colours from bleeding); its crop rectangle is the even-sized display area that the
 * encoder writes into the SPS frame cropping. Chroma is the mean of each 2x2 block (centre siting).
 */
final class Bt601Yuv420 {
  // BT.601 luma weights (Rec. ITU-R BT.601-7, 2.5.1)
  private static final float KR = 0.299f;
  private static final float KB = 0.114f;
  private static final float KG = 1f - KR - KB;
  // limited-range scale: 219 luma levels above 16, 224 chroma levels around 128 (8-bit, BT.601-7 2.5.3)
  private static final float Y_SCALE = 219f;
  private static final float C_SCALE = 224f;
  private static final float CB_R = -0.5f * KR / (1f - KB);
  private static final float CB_G = -0.5f * KG / (1f - KB);
  private static final float CR_G = -0.5f * KG / (1f - KR);
  private static final float CR_B = -0.5f * KB / (1f - KR);

  private final int width;
  private final int height;
  private final int displayWidth;
  private final int displayHeight;
  private final int codedWidth;
  private final int codedHeight;
  private final float[] cb;
  private final float[] cr;

  /** A converter for frames of {@code width x height}; odd sizes are padded to the next even size. */
  Bt601Yuv420(int width, int height) {
    this.width = width;
    this.height = height;
    this.displayWidth = (width + 1) & ~1;
    this.displayHeight = (height + 1) & ~1;
    this.codedWidth = (displayWidth + 15) & ~15;
    this.codedHeight = (displayHeight + 15) & ~15;
    this.cb = new float[displayWidth * displayHeight];
    this.cr = new float[displayWidth * displayHeight];
  }

  /** The displayed width: the source width rounded up to even (4:2:0 cannot represent an odd width). */
  int displayWidth() {
    return displayWidth;
  }

  int displayHeight() {
    return displayHeight;
  }

  /** Width in whole macroblocks, in pixels. */
  int codedWidth() {
    return codedWidth;
  }

  /** Height in whole macroblocks, in pixels. */
  int codedHeight() {
    return codedHeight;
  }

  /**
   * A picture to convert into, reusable across frames: {@link #codedWidth()} wide and {@code heightFactor} times
   * {@link #codedHeight()} tall, of which only the first {@link #codedHeight()} rows are filled; its crop rectangle
   * is the display area.
   *
   * <p>The extra rows are never encoded (JCodec sizes the coded picture from the crop rectangle), but JCodec sizes
   * its slice buffer from the whole picture (one byte per pixel), and noisy content at fine quantisers needs more.
   */
  Picture newPicture(int heightFactor) {
    return Picture.createCropped(codedWidth, codedHeight * heightFactor, ColorSpace.YUV420J,
        new Rect(0, 0, displayWidth, displayHeight));
  }

  /**
   * Converts one frame. {@code rgb} holds clamped values, frame {@code f} starting at {@code offset} with layout
   * {@code [H, W, 3]}.
   */
  void convert(float[] rgb, int offset, Picture out) {
    byte[] yPlane = out.getPlaneData(0);
    for (int y = 0; y < codedHeight; y++) {
      int sy = Math.min(y, height - 1);
      for (int x = 0; x < codedWidth; x++) {
        int sx = Math.min(x, width - 1);
        int i = offset + (sy * width + sx) * 3;
        float r = rgb[i];
        float g = rgb[i + 1];
        float b = rgb[i + 2];
        float luma = KR * r + KG * g + KB * b;
        yPlane[y * codedWidth + x] = toSigned(16f + Y_SCALE * luma);
        if (x < displayWidth && y < displayHeight) {
          cb[y * displayWidth + x] = CB_R * r + CB_G * g + 0.5f * b;
          cr[y * displayWidth + x] = 0.5f * r + CR_G * g + CR_B * b;
        }
      }
    }
    byte[] cbPlane = out.getPlaneData(1);
    byte[] crPlane = out.getPlaneData(2);
    int chromaWidth = codedWidth / 2;
    int chromaHeight = codedHeight / 2;
    for (int cy = 0; cy < chromaHeight; cy++) {
      int y0 = Math.min(2 * cy, displayHeight - 2);
      for (int cx = 0; cx < chromaWidth; cx++) {
        int x0 = Math.min(2 * cx, displayWidth - 2);
        int p = y0 * displayWidth + x0;
        float u = 0.25f * (cb[p] + cb[p + 1] + cb[p + displayWidth] + cb[p + displayWidth + 1]);
        float v = 0.25f * (cr[p] + cr[p + 1] + cr[p + displayWidth] + cr[p + displayWidth + 1]);
        cbPlane[cy * chromaWidth + cx] = toSigned(128f + C_SCALE * u);
        crPlane[cy * chromaWidth + cx] = toSigned(128f + C_SCALE * v);
      }
    }
  }

  /** Rounds an 8-bit level and stores it the way JCodec pictures do: {@code level - 128} as a signed byte. */
  private static byte toSigned(float level) {
    int v = (int) (level + 0.5f);
    v = v < 0 ? 0 : (v > 255 ? 255 : v);
    return (byte) (v - 128);
  }
}
