package dev.vidgen.codec;

import dev.vidgen.api.GenerationInfo;
import dev.vidgen.api.VidgenException;
import dev.vidgen.api.Video;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.jcodec.api.FrameGrab;
import org.jcodec.api.JCodecException;
import org.jcodec.api.PictureWithMetadata;
import org.jcodec.codecs.h264.H264Utils;
import org.jcodec.codecs.h264.io.model.SeqParameterSet;
import org.jcodec.codecs.h264.io.model.VUIParameters;
import org.jcodec.common.Codec;
import org.jcodec.common.DemuxerTrackMeta;
import org.jcodec.common.io.ByteBufferSeekableByteChannel;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Rect;

/**
 * Reads an H.264 {@code .mp4} into a {@link Video}, in pure Java with JCodec's MP4 demuxer and H.264 decoder, so a
 * video made elsewhere (a remote generation service) becomes the same object a local model returns: saving, scaling
 * and frame access behave alike.
 *
 * <ul>
 *   <li><b>Frames</b>: every frame of the first video track, in presentation order (sorted by timestamp, so streams
 *       with B-frames come out in display order), cropped to the SPS display area. The count must equal the track's
 *       sample count, else the read fails rather than returning a shortened video.
 *   <li><b>Colour</b>: Y'CbCr 4:2:0 to RGB with the matrix and range the SPS's VUI declares (BT.709, BT.601 or
 *       BT.2020 matrix; limited or full range). A stream that declares nothing is read as BT.601 limited range, as
 *       players do and as {@link Mp4Writer} writes. Chroma is upsampled bilinearly from where the VUI's
 *       {@code chroma_sample_loc_type} puts it, by default (type 0, H.264 E.2.1) level with the even luma columns and
 *       halfway between rows, as x264 and most encoders write it. Checked against ffmpeg on x264 High-profile
 *       streams with B-frames: identical luma, and flat colours identical to ffmpeg's conversion for BT.709 limited,
 *       BT.709 full and untagged streams.
 *   <li><b>Frame rate</b>: the track's sample count over its duration, rounded to a whole number (23.976 becomes 24).
 *   <li>Audio tracks are ignored: {@link Video} holds pictures only.
 * </ul>
 *
 * JCodec decodes H.264 Baseline, Main and High profile 8-bit 4:2:0 progressive video; other streams fail with the
 * decoder's error as the cause.
 */
public final class Mp4Reader {
  private static final Logger LOG = System.getLogger(Mp4Reader.class.getPackageName());

  private Mp4Reader() {}

  /** Reads an MP4 file. {@code info} becomes {@link Video#info()} (null for none). */
  public static Video read(Path file, GenerationInfo info) {
    try {
      return read(ByteBuffer.wrap(Files.readAllBytes(file)), info, file.toString());
    } catch (IOException e) {
      throw new VidgenException("could not read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads an MP4 held in memory (from {@code position()} to {@code limit()}; the buffer itself is not moved).
   *
   * @param source names the data in error messages (a file name or URL without secrets)
   */
  public static Video read(ByteBuffer mp4, GenerationInfo info, String source) {
    FrameGrab grab;
    try {
      grab = FrameGrab.createFrameGrab(ByteBufferSeekableByteChannel.readFromByteBuffer(mp4.duplicate()));
    } catch (IOException | JCodecException | RuntimeException e) {
      throw new VidgenException(source + " is not an MP4 with a video track JCodec can read: " + message(e), e);
    }
    DemuxerTrackMeta meta = grab.getVideoTrack().getMeta();
    if (meta.getCodec() != Codec.H264) {
      throw new VidgenException(source + ": the video track is " + meta.getCodec() + ", but only H.264 is decoded");
    }
    YuvToRgb colour = YuvToRgb.of(sps(meta));
    LOG.log(Level.DEBUG, "{0}: H.264 {1}x{2}, {3} frames, colour {4}", source, meta.getVideoCodecMeta() == null ? "?"
        : meta.getVideoCodecMeta().getSize().getWidth(), meta.getVideoCodecMeta() == null ? "?"
        : meta.getVideoCodecMeta().getSize().getHeight(), meta.getTotalFrames(), colour);
    // Frames go straight into the one array the Video keeps, in decode order, and are put in presentation order in
    // place afterwards: a 10 s 1280x720 clip is 2.6 GB of floats, so a second copy would double the peak.
    int expected = meta.getTotalFrames();
    if (expected < 1) {
      throw new VidgenException(source + ": the video track has no frames");
    }
    double[] pts = new double[expected];
    float[] all = null;
    int count = 0;
    int width = -1;
    int height = -1;
    try {
      PictureWithMetadata pm;
      while ((pm = grab.getNativeFrameWithMetadata()) != null) {
        Picture pic = pm.getPicture();
        Rect crop = pic.getCrop();
        int w = crop == null ? pic.getWidth() : crop.getWidth();
        int h = crop == null ? pic.getHeight() : crop.getHeight();
        if (all == null) {
          width = w;
          height = h;
          all = new float[Math.multiplyExact(expected, Math.multiplyExact(w * h, 3))];
        } else if (w != width || h != height) {
          throw new VidgenException(source + ": frame " + count + " is " + w + "x" + h + ", but the first frame is "
              + width + "x" + height + "; a Video needs one size");
        }
        if (count == expected) {
          throw new VidgenException(source + ": the decoder gives more frames than the track's " + expected
              + " samples");
        }
        colour.convert(pic, all, count * w * h * 3, source, count);
        pts[count++] = pm.getTimestamp();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof VidgenException v) {
        throw v;
      }
      throw new VidgenException(source + ": decoding H.264 failed at frame " + count + ": " + message(e), e);
    }
    if (count != expected) {
      throw new VidgenException(source + ": decoded " + count + " frames, but the video track has " + expected
          + " samples");
    }
    toPresentationOrder(all, pts, width * height * 3);
    double seconds = meta.getTotalDuration();
    int fps = seconds > 0 ? (int) Math.max(1, Math.min(240, Math.round(count / seconds))) : 1;
    return new Video(all, count, height, width, fps, info);
  }

  /**
   * Reorders frames of {@code per} values from decode order to ascending {@code pts}, in place (following the
   * permutation's cycles with one frame of scratch). Streams without B-frames are in order already.
   */
  static void toPresentationOrder(float[] frames, double[] pts, int per) {
    int n = pts.length;
    Integer[] order = new Integer[n]; // order[k]: the decoded frame that is shown k-th
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble(i -> pts[i]));
    boolean[] placed = new boolean[n];
    float[] scratch = null;
    for (int start = 0; start < n; start++) {
      if (placed[start] || order[start] == start) {
        placed[start] = true;
        continue;
      }
      if (scratch == null) {
        scratch = new float[per];
      }
      System.arraycopy(frames, start * per, scratch, 0, per);
      int k = start;
      while (true) {
        int from = order[k];
        placed[k] = true;
        if (from == start) {
          System.arraycopy(scratch, 0, frames, k * per, per);
          break;
        }
        System.arraycopy(frames, from * per, frames, k * per, per);
        k = from;
      }
    }
  }

  /** The first SPS of the track's decoder configuration, or null when it has none or it does not parse. */
  static SeqParameterSet sps(DemuxerTrackMeta meta) {
    ByteBuffer codecPrivate = meta.getCodecPrivate();
    if (codecPrivate == null) {
      return null;
    }
    try {
      List<ByteBuffer> raw = H264Utils.getRawSPS(codecPrivate.duplicate());
      return raw.isEmpty() ? null : H264Utils.readSPS(raw.get(0));
    } catch (RuntimeException e) {
      return null; // the decoder reads the SPS again and reports a broken one; colour falls back to the default
    }
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** Y'CbCr to RGB in [0, 1] for one matrix and range. */
  record YuvToRgb(double kr, double kb, boolean fullRange, String name, int chromaLoc) {
    static final YuvToRgb BT601_LIMITED = new YuvToRgb(0.299, 0.114, false, "BT.601 limited range", 0);

    /** The conversion the SPS declares (ITU-T H.264 Table E-5 matrix_coefficients), BT.601 limited by default. */
    static YuvToRgb of(SeqParameterSet sps) {
      VUIParameters vui = sps == null ? null : sps.vuiParams;
      if (vui == null) {
        return BT601_LIMITED;
      }
      int loc = vui.chromaLocInfoPresentFlag ? vui.chromaSampleLocTypeTopField : 0;
      if (!vui.videoSignalTypePresentFlag) {
        return new YuvToRgb(0.299, 0.114, false, BT601_LIMITED.name(), loc);
      }
      boolean full = vui.videoFullRangeFlag;
      int mc = vui.colourDescriptionPresentFlag ? vui.matrixCoefficients : 2;
      return switch (mc) {
        case 1 -> new YuvToRgb(0.2126, 0.0722, full, "BT.709", loc);
        case 9, 10 -> new YuvToRgb(0.2627, 0.0593, full, "BT.2020", loc);
        default -> new YuvToRgb(0.299, 0.114, full, "BT.601", loc); // 5, 6, and unspecified (2)
      };
    }

    /** Converts one picture into {@code out} from {@code offset}, as {@code [H, W, 3]}. */
    void convert(Picture pic, float[] out, int offset, String source, int index) {
      ColorSpace cs = pic.getColor();
      if (cs.nComp != 3 || !cs.planar || cs.compWidth[1] != 1 || cs.compHeight[1] != 1 || pic.isHiBD()) {
        throw new VidgenException(source + ": frame " + index + " is " + cs + (pic.isHiBD() ? " (high bit depth)" : "")
            + "; only 8-bit Y'CbCr 4:2:0 is read");
      }
      Rect crop = pic.getCrop();
      int x0 = crop == null ? 0 : crop.getX();
      int y0 = crop == null ? 0 : crop.getY();
      int w = crop == null ? pic.getWidth() : crop.getWidth();
      int h = crop == null ? pic.getHeight() : crop.getHeight();
      byte[] yPlane = pic.getPlaneData(0);
      byte[] cbPlane = pic.getPlaneData(1);
      byte[] crPlane = pic.getPlaneData(2);
      int yStride = pic.getPlaneWidth(0);
      int cStride = pic.getPlaneWidth(1);
      int cWidth = pic.getPlaneWidth(1);
      int cHeight = pic.getPlaneHeight(1);
      double kg = 1 - kr - kb;
      // JCodec stores samples minus 128 in signed bytes; limited range puts black at 16 and spans 219 (luma) and 224
      // (chroma) levels, full range spans 255 (H.264 E.2.1, equations E-1 to E-6)
      double yOffset = fullRange ? 0 : 16;
      double yScale = fullRange ? 255 : 219;
      double cScale = fullRange ? 255 : 224;
      // bilinear chroma. Where chroma sample j sits in luma units (H.264 Figure E-1): horizontally 2j for even
      // chroma_sample_loc_type (level with even columns), 2j + 0.5 for odd; vertically 2j + 0.5 for types 0-1, 2j
      // for 2-3, 2j + 1 for 4-5. So luma x falls at chroma position (x - xOffset) / 2.
      double xOffset = chromaLoc % 2 == 0 ? 0 : 0.5;
      double yOffset2 = chromaLoc <= 1 ? 0.5 : chromaLoc <= 3 ? 0 : 1;
      int[] cx0 = new int[w];
      int[] cx1 = new int[w];
      float[] fx = new float[w];
      for (int i = 0; i < w; i++) {
        double pos = (x0 + i - xOffset) / 2;
        int lo = (int) Math.floor(pos);
        fx[i] = (float) (pos - lo);
        cx0[i] = Math.max(0, Math.min(cWidth - 1, lo));
        cx1[i] = Math.max(0, Math.min(cWidth - 1, lo + 1));
      }
      // R = Y' + 2(1 - Kr) Pr, B = Y' + 2(1 - Kb) Pb, G = (Y' - Kr R - Kb B) / Kg, folded into four coefficients
      float rCr = (float) (2 * (1 - kr) / cScale);
      float bCb = (float) (2 * (1 - kb) / cScale);
      float gCr = (float) (-kr * 2 * (1 - kr) / cScale / kg);
      float gCb = (float) (-kb * 2 * (1 - kb) / cScale / kg);
      float lumaOffset = (float) (128 - yOffset);
      float lumaScale = (float) (1 / yScale);
      float[] cbRow = new float[cWidth]; // this output row's chroma, interpolated between two chroma rows
      float[] crRow = new float[cWidth];
      int o = offset;
      for (int y = y0; y < y0 + h; y++) {
        double pos = (y - yOffset2) / 2;
        int lo = (int) Math.floor(pos);
        float fy = (float) (pos - lo);
        int row0 = Math.max(0, Math.min(cHeight - 1, lo)) * cStride;
        int row1 = Math.max(0, Math.min(cHeight - 1, lo + 1)) * cStride;
        for (int j = 0; j < cWidth; j++) {
          // signed samples: the stored value is already the chroma sample minus 128
          cbRow[j] = cbPlane[row0 + j] * (1 - fy) + cbPlane[row1 + j] * fy;
          crRow[j] = crPlane[row0 + j] * (1 - fy) + crPlane[row1 + j] * fy;
        }
        int yRow = y * yStride + x0;
        for (int i = 0; i < w; i++) {
          float luma = (yPlane[yRow + i] + lumaOffset) * lumaScale;
          float cb = cbRow[cx0[i]] * (1 - fx[i]) + cbRow[cx1[i]] * fx[i];
          float cr = crRow[cx0[i]] * (1 - fx[i]) + crRow[cx1[i]] * fx[i];
          out[o++] = clamp(luma + rCr * cr);
          out[o++] = clamp(luma + gCb * cb + gCr * cr);
          out[o++] = clamp(luma + bCb * cb);
        }
      }
    }

    private static float clamp(float v) {
      return Math.max(0f, Math.min(1f, v));
    }
  }
}
