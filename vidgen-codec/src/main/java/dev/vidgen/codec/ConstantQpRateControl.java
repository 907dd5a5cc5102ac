package dev.vidgen.codec;

import org.jcodec.codecs.h264.encode.RateControl;
import org.jcodec.codecs.h264.io.model.SliceType;
import org.jcodec.common.model.Size;

/**
 * Constant-quantiser rate control for JCodec's {@code H264Encoder}: every macroblock of every picture is coded at
 * one QP, so quality is the same across the clip and file size follows the content.
 *
 * <p>One safety valve: JCodec codes each slice into a fixed buffer. A macroblock that would spend more than three
 * quarters of its share of that buffer is coded again at a coarser quantiser, and the next macroblock returns to
 * the constant value. {@link Mp4Writer} gives JCodec a buffer large enough that this does not happen even for
 * white noise; if it ever does, {@link #valveCount()} says how often (the writer then logs a warning, because a
 * QP above {@link Mp4Writer#MAX_DRIFT_FREE_QP} brings in JCodec's mismatched deblocking).
 *
 * <p>Protocol, as {@code H264Encoder.encodeSlice} in JCodec 0.2.5 calls it: {@link #startPicture} returns the slice
 * QP; per macroblock {@link #initialQpDelta} gives the change from the previous macroblock's QP, then {@link
 * #accept} is told the bits spent and returns a further change (non-zero means "code this macroblock again").
 */
final class ConstantQpRateControl implements RateControl {
  static final int MAX_QP = 51;

  private final int qp;
  private final int macroblocks;
  private int offset;
  private int bitsLimit;
  private long valveCount;

  /** A rate control for pictures of {@code macroblocks} macroblocks, all coded at {@code qp}. */
  ConstantQpRateControl(int qp, int macroblocks) {
    if (qp < 0 || qp > MAX_QP) {
      throw new IllegalArgumentException("QP must be in [0, 51], got " + qp);
    }
    this.qp = qp;
    this.macroblocks = macroblocks;
  }

  @Override
  public int startPicture(Size size, int maxSize, SliceType sliceType) {
    // size is the allocated picture, which may be taller than the coded one: use our own macroblock count
    bitsLimit = (int) Math.min(Integer.MAX_VALUE, 6L * maxSize / macroblocks); // 3/4 of 8 bits per byte
    offset = 0;
    return qp;
  }

  @Override
  public int initialQpDelta() {
    int delta = -offset; // back to the constant QP after a macroblock that needed the valve
    offset = 0;
    return delta;
  }

  @Override
  public int accept(int bits) {
    if (bits < bitsLimit || qp + offset >= MAX_QP) {
      return 0;
    }
    int step = Math.min(4, MAX_QP - (qp + offset));
    offset += step;
    valveCount++;
    return step;
  }

  /** How many times a macroblock had to be coded again at a coarser QP. */
  long valveCount() {
    return valveCount;
  }
}
