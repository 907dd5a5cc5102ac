package dev.vidgen.codec;

import org.jcodec.codecs.h264.H264Encoder;
import org.jcodec.codecs.h264.io.model.SeqParameterSet;
import org.jcodec.codecs.h264.io.model.VUIParameters;
import org.jcodec.common.model.Size;

/**
 * JCodec's H.264 encoder with a sequence parameter set that tells players what they need to know:
 *
 * <ul>
 *   <li><b>Colour</b>: limited range, BT.601 matrix (VUI video signal type; primaries and transfer left
 *       "unspecified", i.e. the display's, as for sRGB input), matching {@link Bt601Yuv420}.
 *   <li><b>Timing</b>: a fixed frame rate of {@code fps}.
 *   <li><b>No reordering</b>: {@code max_dec_frame_buffering = 1}, so decoders show each frame as soon as it is
 *       decoded instead of holding a frame back.
 *   <li><b>Profile and level</b>: Constrained Baseline (the encoder uses no FMO, ASO or redundant slices) at the
 *       smallest level whose frame size and macroblock rate fit, but at least 3.0 so that the bit rate limit is not
 *       exceeded by constant-quality streams of small frames.
 * </ul>
 *
 * JCodec 0.2.5 writes no VUI and always says level 4.0; everything else (cropping of the macroblock-padded picture
 * to the picture's crop rectangle, frame numbering) comes from {@link H264Encoder#initSPS(Size)}.
 */
final class TaggedH264Encoder extends H264Encoder {
  // ITU-T H.264 Table A-1: level_idc, MaxMBPS (macroblocks per second), MaxFS (macroblocks per frame)
  private static final int[][] LEVELS = {
    {30, 40_500, 1_620}, {31, 108_000, 3_600}, {32, 216_000, 5_120}, {40, 245_760, 8_192},
    {42, 522_240, 8_704}, {50, 589_824, 22_080}, {51, 983_040, 36_864}, {52, 2_073_600, 36_864},
  };
  private static final int MATRIX_BT601 = 6; // SMPTE 170M (H.264 Table E-5)
  private static final int UNSPECIFIED = 2; // colour_primaries / transfer_characteristics "unspecified"
  private static final int VIDEO_FORMAT_UNSPECIFIED = 5;

  private final int fps;

  TaggedH264Encoder(ConstantQpRateControl rateControl, int fps, int keyInterval) {
    super(rateControl);
    this.fps = fps;
    setKeyInterval(keyInterval);
  }

  @Override
  public SeqParameterSet initSPS(Size size) {
    SeqParameterSet sps = super.initSPS(size);
    sps.constraintSet0Flag = true; // conforms to Baseline
    sps.constraintSet1Flag = true; // ... and to Main's subset: Constrained Baseline
    int mbWidth = sps.picWidthInMbsMinus1 + 1;
    int mbHeight = sps.picHeightInMapUnitsMinus1 + 1;
    sps.levelIdc = level(mbWidth, mbHeight, fps);

    VUIParameters vui = new VUIParameters();
    vui.videoSignalTypePresentFlag = true;
    vui.videoFormat = VIDEO_FORMAT_UNSPECIFIED;
    vui.videoFullRangeFlag = false;
    vui.colourDescriptionPresentFlag = true;
    vui.colourPrimaries = UNSPECIFIED;
    vui.transferCharacteristics = UNSPECIFIED;
    vui.matrixCoefficients = MATRIX_BT601;
    vui.timingInfoPresentFlag = true;
    vui.numUnitsInTick = 1;
    vui.timeScale = 2 * fps; // a frame lasts two ticks (H.264 E.2.1, frame_mbs_only)
    vui.fixedFrameRateFlag = true;
    VUIParameters.BitstreamRestriction restriction = new VUIParameters.BitstreamRestriction();
    restriction.motionVectorsOverPicBoundariesFlag = true;
    restriction.maxBytesPerPicDenom = 0; // no limit
    restriction.maxBitsPerMbDenom = 0; // no limit
    restriction.log2MaxMvLengthHorizontal = 16;
    restriction.log2MaxMvLengthVertical = 16;
    restriction.numReorderFrames = 0;
    restriction.maxDecFrameBuffering = 1;
    vui.bitstreamRestriction = restriction;
    sps.vuiParams = vui;
    return sps;
  }

  /** The smallest level (at least 3.0) that allows this frame size at this frame rate. */
  static int level(int mbWidth, int mbHeight, int fps) {
    long frameSize = (long) mbWidth * mbHeight;
    for (int[] level : LEVELS) {
      long maxFs = level[2];
      boolean fits = frameSize <= maxFs && frameSize * fps <= level[1]
          // A.3.1 (f): neither dimension may exceed sqrt(8 * MaxFS) macroblocks
          && (long) mbWidth * mbWidth <= 8 * maxFs && (long) mbHeight * mbHeight <= 8 * maxFs;
      if (fits) {
        return level[0];
      }
    }
    return LEVELS[LEVELS.length - 1][0];
  }
}
