package dev.vidgen.codec;

import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.VidgenException;
import dev.vidgen.api.Video;
import dev.vidgen.spi.VideoWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.jcodec.common.Codec;
import org.jcodec.common.MuxerTrack;
import org.jcodec.common.VideoCodecMeta;
import org.jcodec.common.VideoEncoder.EncodedFrame;
import org.jcodec.common.io.FileChannelWrapper;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Packet;
import org.jcodec.common.model.Packet.FrameType;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Size;
import org.jcodec.containers.mp4.muxer.MP4Muxer;

/**
 * Writes {@code .mp4}: H.264 (Constrained Baseline, 4:2:0, BT.601 limited range) in an MP4 container laid out for
 * progressive playback in browsers, in pure Java with JCodec's low-level encoder and muxer.
 *
 * <ul>
 *   <li><b>Quality</b>: {@link SaveOptions#quality()} maps to a constant quantiser ({@link #qpFor(int)}): QP 15 up
 *       to quality 80 (the default), down to QP 10 at quality 100.
 *   <li><b>Key frames</b>: an IDR frame every {@link SaveOptions#keyframeInterval()} frames.
 *   <li><b>Timing</b>: track timescale {@code 1000 * fps}, each frame lasting 1000 ticks, so the duration is exactly
 *       {@code frames / fps} seconds.
 *   <li><b>Sizes</b>: any size from 1x1. Frames are padded to whole macroblocks and cropped back in the SPS; an odd
 *       width or height is padded to the next even number by repeating the last column or row (4:2:0 subsamples
 *       chroma by two, so H.264 can only crop to even sizes), with one log message saying so.
 *   <li><b>Layout</b>: {@code ftyp, moov, mdat} ("fast start"; see {@link Mp4Faststart}).
 * </ul>
 *
 * <p><b>Why QP 15 at most.</b> JCodec 0.2.5's encoder runs its in-loop deblocking filter before it takes the
 * neighbouring samples for intra prediction (the standard predicts from unfiltered samples), and its P-frame
 * deblocking does not match the standard bit for bit either. Real decoders (ffmpeg, browsers, JCodec's own decoder)
 * then reconstruct different pixels than the encoder assumed, and the difference accumulates to the right along
 * each macroblock row and from frame to frame until the next key frame: at QP 20 the picture drifts by up to 18
 * levels. The deblocking filter only acts from QP 16 on (its alpha threshold is zero for indexA below 16), so at QP
 * 15 and below the encoder's reconstruction equals the decoder's exactly, which vidgen's tests check. Quality
 * settings below 80 therefore give QP 15 too.
 *
 * The MP4 is first written to a temporary file (JCodec's muxer needs to seek), then rewritten to the target or
 * stream.
 */
public final class Mp4Writer implements VideoWriter {
  private static final Logger LOG = System.getLogger(Mp4Writer.class.getPackageName());
  /** Ticks per frame; the timescale is this times fps. */
  static final int TICKS_PER_FRAME = 1000;
  /** The coarsest quantiser at which JCodec's encoder and standard decoders agree (see the class comment). */
  static final int MAX_DRIFT_FREE_QP = 15;
  /** The finest quantiser the quality knob reaches. */
  static final int MIN_QP = 10;
  /** JCodec's slice buffer gets this many bytes per coded pixel (see {@link Bt601Yuv420#newPicture(int)}). */
  static final int SLICE_BUFFER_BYTES_PER_PIXEL = 4;
  /** JCodec numbers frames within a GOP with at most 16 bits (log2_max_frame_num <= 16). */
  static final int MAX_KEY_INTERVAL = 1 << 14;

  @Override
  public String name() {
    return "mp4";
  }

  @Override
  public Set<String> extensions() {
    return Set.of("mp4");
  }

  @Override
  public void write(Video video, Path target, SaveOptions options) {
    AtomicOutput.writeFile(target, options.overwrite(), "MP4", temp -> {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
        writeTo(video, out, options);
      }
    });
  }

  @Override
  public void write(Video video, OutputStream out, SaveOptions options) {
    try {
      writeTo(video, out, options);
      out.flush();
    } catch (IOException e) {
      throw new VidgenException("writing MP4 to a stream failed: " + e.getMessage(), e);
    }
  }

  private static void writeTo(Video video, OutputStream out, SaveOptions options) throws IOException {
    Path raw = Files.createTempFile("vidgen-", ".mp4.part");
    try {
      encode(video, options, raw);
      Mp4Faststart.rewrite(raw, out);
    } finally {
      Files.deleteIfExists(raw);
    }
  }

  /**
   * The quantiser for a quality in [0, 100]: {@value #MAX_DRIFT_FREE_QP} up to quality 80, then one step finer per
   * 4 quality points, down to {@value #MIN_QP} at 100. Lower QP is finer quantisation and a larger file (about 12%
   * per step).
   */
  static int qpFor(int quality) {
    if (quality <= 80) {
      return MAX_DRIFT_FREE_QP;
    }
    return MAX_DRIFT_FREE_QP - Math.round((quality - 80) * (MAX_DRIFT_FREE_QP - MIN_QP) / 20f);
  }

  /** Encodes {@code video} into an MP4 (moov last) at {@code raw}. */
  static void encode(Video video, SaveOptions options, Path raw) throws IOException {
    encode(video, qpFor(options.quality()), options.keyframeInterval(), raw);
  }

  /** As above with an explicit quantiser; tests use it to show the drift above {@link #MAX_DRIFT_FREE_QP}. */
  static void encode(Video video, int qp, int keyframeInterval, Path raw) throws IOException {
    ClampedFrames frames = ClampedFrames.of(video, "MP4");
    Bt601Yuv420 converter = new Bt601Yuv420(frames.width(), frames.height());
    if (converter.displayWidth() != frames.width() || converter.displayHeight() != frames.height()) {
      LOG.log(Level.INFO, "MP4: {0}x{1} frames are written as {2}x{3}: H.264 4:2:0 needs even sizes, so the last "
          + "column/row is repeated", frames.width(), frames.height(), converter.displayWidth(),
          converter.displayHeight());
    }
    int fps = video.fps();
    int keyInterval = Math.min(keyframeInterval, MAX_KEY_INTERVAL);
    int macroblocks = converter.codedWidth() / 16 * (converter.codedHeight() / 16);
    ConstantQpRateControl rateControl = new ConstantQpRateControl(qp, macroblocks);
    TaggedH264Encoder encoder = new TaggedH264Encoder(rateControl, fps, keyInterval);

    Picture picture = converter.newPicture(SLICE_BUFFER_BYTES_PER_PIXEL);
    // A slice is at most one byte per allocated pixel; then come parameter sets and emulation prevention bytes.
    ByteBuffer buffer = ByteBuffer.allocate(picture.getWidth() * picture.getHeight() * 5 / 4 + (1 << 16));
    try (FileChannel channel = FileChannel.open(raw, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING);
        FileChannelWrapper jcodecChannel = new FileChannelWrapper(channel)) {
      MP4Muxer muxer = MP4Muxer.createMP4MuxerToChannel(jcodecChannel);
      MuxerTrack track = muxer.addVideoTrack(Codec.H264, VideoCodecMeta.createSimpleVideoCodecMeta(
          new Size(converter.displayWidth(), converter.displayHeight()), ColorSpace.YUV420J));
      int timescale = TICKS_PER_FRAME * fps;
      for (int f = 0; f < frames.numFrames(); f++) {
        converter.convert(frames.values(), frames.index(f, 0, 0), picture);
        buffer.clear();
        EncodedFrame encoded = encoder.encodeFrame(picture, buffer);
        ByteBuffer data = encoded.getData();
        ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data);
        copy.flip();
        track.addFrame(Packet.createPacket(copy, (long) f * TICKS_PER_FRAME, timescale, TICKS_PER_FRAME, f,
            encoded.isKeyFrame() ? FrameType.KEY : FrameType.INTER, null));
      }
      muxer.finish();
    }
    if (rateControl.valveCount() > 0) {
      LOG.log(Level.WARNING, "MP4: {0} macroblocks were too large for the encoder''s buffer and were coded at a QP "
          + "above {1}; expect slight colour drift in those rows until the next key frame",
          rateControl.valveCount(), MAX_DRIFT_FREE_QP);
    }
  }
}
