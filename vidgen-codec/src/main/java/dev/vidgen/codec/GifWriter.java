package dev.vidgen.codec;

import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.VidgenException;
import dev.vidgen.api.Video;
import dev.vidgen.spi.VideoWriter;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes {@code .gif}: an animated GIF that loops forever, with one adaptive palette for the whole clip
 * ({@link MedianCutPalette}) and optional dithering.
 *
 * <p>GIF delays are whole hundredths of a second, so the delay of frame {@code i} is {@code round((i + 1) * 100 /
 * fps) - round(i * 100 / fps)}: at 24 fps frames last 4 or 5 hundredths and the clip lasts exactly {@code frames /
 * fps} seconds. Browsers show delays below 2 hundredths as 10, so above 50 fps a warning says the GIF will play
 * slower.
 *
 * <p>{@link Dither#FLOYD_STEINBERG} (the default) gives the smoothest gradients; {@link Dither#ORDERED} (8x8 Bayer)
 * gives a fixed pattern that does not shimmer between frames; {@link Dither#NONE} maps each pixel to its nearest
 * palette colour. A clip with at most 256 distinct colours is written losslessly whatever the setting.
 */
public final class GifWriter implements VideoWriter {
  private static final Logger LOG = System.getLogger(GifWriter.class.getPackageName());
  /** Browsers raise delays of 0 or 1 hundredths to 10 (a legacy of very old GIFs). */
  static final int MIN_BROWSER_DELAY = 2;
  /** 8x8 Bayer threshold matrix, values 0..63. */
  private static final int[] BAYER8 = {
    0, 32, 8, 40, 2, 34, 10, 42, 48, 16, 56, 24, 50, 18, 58, 26,
    12, 44, 4, 36, 14, 46, 6, 38, 60, 28, 52, 20, 62, 30, 54, 22,
    3, 35, 11, 43, 1, 33, 9, 41, 51, 19, 59, 27, 49, 17, 57, 25,
    15, 47, 7, 39, 13, 45, 5, 37, 63, 31, 55, 23, 61, 29, 53, 21,
  };
  /** Peak-to-peak strength of ordered dithering, in 8-bit levels. */
  private static final float ORDERED_AMPLITUDE = 12f;

  /** How colours between palette entries are rendered. */
  public enum Dither {
    NONE,
    ORDERED,
    FLOYD_STEINBERG
  }

  private final Dither dither;

  /** A writer with Floyd–Steinberg dithering (what {@code Video.save} uses). */
  public GifWriter() {
    this(Dither.FLOYD_STEINBERG);
  }

  public GifWriter(Dither dither) {
    this.dither = Objects.requireNonNull(dither, "dither");
  }

  @Override
  public String name() {
    return "gif";
  }

  @Override
  public Set<String> extensions() {
    return Set.of("gif");
  }

  @Override
  public void write(Video video, Path target, SaveOptions options) {
    AtomicOutput.writeFile(target, options.overwrite(), "GIF", temp -> {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
        writeTo(video, out);
      }
    });
  }

  @Override
  public void write(Video video, OutputStream out, SaveOptions options) {
    try {
      writeTo(video, out);
      out.flush();
    } catch (IOException e) {
      throw new VidgenException("writing GIF to a stream failed: " + e.getMessage(), e);
    }
  }

  /** Hundredths of a second that frame {@code i} is shown at {@code fps}, so that the total stays exact. */
  static int delayHundredths(int i, int fps) {
    return Math.round((i + 1) * 100f / fps) - Math.round(i * 100f / fps);
  }

  private void writeTo(Video video, OutputStream out) throws IOException {
    ClampedFrames frames = ClampedFrames.of(video, "GIF");
    if (100f / video.fps() < MIN_BROWSER_DELAY - 0.5f) {
      LOG.log(Level.WARNING, "GIF at {0} fps: frames last less than {1} hundredths of a second, which browsers "
          + "stretch to 10; the animation will play slower than the video", video.fps(), MIN_BROWSER_DELAY);
    }
    MedianCutPalette.Palette built = MedianCutPalette.build(frames);
    int[] palette = built.colours();
    Dither mode = built.exact() ? Dither.NONE : dither; // every colour is in the palette: nothing to dither
    IndexColorModel colourModel = colourModel(palette);
    PaletteIndex index = new PaletteIndex(palette);

    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("gif");
    if (!writers.hasNext()) {
      throw new VidgenException("this Java runtime has no GIF ImageWriter (javax.imageio)");
    }
    ImageWriter writer = writers.next();
    try (ImageOutputStream stream = ImageIO.createImageOutputStream(new NonClosingOutputStream(out))) {
      writer.setOutput(stream);
      ImageWriteParam param = writer.getDefaultWriteParam();
      writer.prepareWriteSequence(streamMetadata(writer, param, colourModel));
      for (int f = 0; f < frames.numFrames(); f++) {
        BufferedImage image = new BufferedImage(frames.width(), frames.height(), BufferedImage.TYPE_BYTE_INDEXED,
            colourModel);
        byte[] pixels = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        quantise(frames, f, mode, index, palette, pixels);
        IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image),
            param);
        annotate(metadata, delayHundredths(f, video.fps()), f == 0);
        writer.writeToSequence(new IIOImage(image, null, metadata), param);
      }
      writer.endWriteSequence();
    } finally {
      writer.dispose();
    }
  }

  private static IndexColorModel colourModel(int[] palette) {
    // GIF colour tables have 2^k entries; the unused tail is black and never referenced.
    int size = 2;
    while (size < palette.length) {
      size *= 2;
    }
    byte[] r = new byte[size];
    byte[] g = new byte[size];
    byte[] b = new byte[size];
    for (int i = 0; i < palette.length; i++) {
      r[i] = (byte) (palette[i] >> 16);
      g[i] = (byte) (palette[i] >> 8);
      b[i] = (byte) palette[i];
    }
    int bits = Integer.numberOfTrailingZeros(size);
    return new IndexColorModel(bits, size, r, g, b);
  }

  /** Maps frame {@code f} to palette indices with the chosen dithering. */
  private static void quantise(ClampedFrames frames, int f, Dither dither, PaletteIndex index, int[] palette,
      byte[] out) {
    int width = frames.width();
    int height = frames.height();
    float[] values = frames.values();
    int base = frames.index(f, 0, 0);
    // Floyd–Steinberg error of the current and the next row, per channel, with one pixel of margin each side.
    float[] errorHere = new float[(width + 2) * 3];
    float[] errorNext = new float[(width + 2) * 3];
    for (int y = 0; y < height; y++) {
      // serpentine scan: even rows left to right, odd rows right to left, so errors do not drift one way
      boolean leftToRight = (y & 1) == 0;
      for (int step = 0; step < width; step++) {
        int x = leftToRight ? step : width - 1 - step;
        int i = base + (y * width + x) * 3;
        float r = values[i] * 255f;
        float g = values[i + 1] * 255f;
        float b = values[i + 2] * 255f;
        if (dither == Dither.FLOYD_STEINBERG) {
          int e = (x + 1) * 3;
          r += errorHere[e];
          g += errorHere[e + 1];
          b += errorHere[e + 2];
        } else if (dither == Dither.ORDERED) {
          float t = ((BAYER8[(y & 7) * 8 + (x & 7)] + 0.5f) / 64f - 0.5f) * ORDERED_AMPLITUDE;
          r += t;
          g += t;
          b += t;
        }
        int ri = clampByte(r);
        int gi = clampByte(g);
        int bi = clampByte(b);
        int p = index.nearest(ri, gi, bi);
        out[y * width + x] = (byte) p;
        if (dither == Dither.FLOYD_STEINBERG) {
          int colour = palette[p];
          spread(errorHere, errorNext, x, leftToRight, 0, clampFloat(r) - ((colour >> 16) & 0xff));
          spread(errorHere, errorNext, x, leftToRight, 1, clampFloat(g) - ((colour >> 8) & 0xff));
          spread(errorHere, errorNext, x, leftToRight, 2, clampFloat(b) - (colour & 0xff));
        }
      }
      float[] swap = errorHere;
      errorHere = errorNext;
      errorNext = swap;
      java.util.Arrays.fill(errorNext, 0f);
    }
  }

  /** Floyd–Steinberg weights 7/16 ahead, 3/16 behind-below, 5/16 below, 1/16 ahead-below. */
  private static void spread(float[] here, float[] next, int x, boolean leftToRight, int channel, float error) {
    int ahead = leftToRight ? 1 : -1;
    int at = x + 1; // margin offset
    here[(at + ahead) * 3 + channel] += error * (7f / 16f);
    next[(at - ahead) * 3 + channel] += error * (3f / 16f);
    next[at * 3 + channel] += error * (5f / 16f);
    next[(at + ahead) * 3 + channel] += error * (1f / 16f);
  }

  private static int clampByte(float v) {
    int i = Math.round(v);
    return i < 0 ? 0 : (i > 255 ? 255 : i);
  }

  private static float clampFloat(float v) {
    return v < 0f ? 0f : (v > 255f ? 255f : v);
  }

  /**
   * Stream metadata whose global colour table is the clip's palette. (ImageIO's default image metadata carries a
   * local colour table that does not come from the image's colour model, so the palette is set explicitly here
   * and that local table is removed in {@link #annotate}.)
   */
  private static IIOMetadata streamMetadata(ImageWriter writer, ImageWriteParam param, IndexColorModel colours)
      throws IIOInvalidTreeException {
    IIOMetadata metadata = writer.getDefaultStreamMetadata(param);
    String format = metadata.getNativeMetadataFormatName(); // javax_imageio_gif_stream_1.0
    IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(format);
    IIOMetadataNode table = new IIOMetadataNode("GlobalColorTable");
    table.setAttribute("sizeOfGlobalColorTable", Integer.toString(colours.getMapSize()));
    table.setAttribute("backgroundColorIndex", "0");
    table.setAttribute("sortFlag", "FALSE");
    for (int i = 0; i < colours.getMapSize(); i++) {
      IIOMetadataNode entry = new IIOMetadataNode("ColorTableEntry");
      entry.setAttribute("index", Integer.toString(i));
      entry.setAttribute("red", Integer.toString(colours.getRed(i)));
      entry.setAttribute("green", Integer.toString(colours.getGreen(i)));
      entry.setAttribute("blue", Integer.toString(colours.getBlue(i)));
      table.appendChild(entry);
    }
    root.appendChild(table);
    metadata.setFromTree(format, root);
    return metadata;
  }

  /**
   * Sets the frame delay (graphic control extension) and, on the first frame, infinite looping (NETSCAPE2.0);
   * removes the local colour table so that every frame uses the global one.
   */
  private static void annotate(IIOMetadata metadata, int delay, boolean first) throws IIOInvalidTreeException {
    String format = metadata.getNativeMetadataFormatName(); // javax_imageio_gif_image_1.0
    IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(format);
    for (int i = root.getLength() - 1; i >= 0; i--) {
      if (root.item(i).getNodeName().equals("LocalColorTable")) {
        root.removeChild(root.item(i));
      }
    }
    IIOMetadataNode control = child(root, "GraphicControlExtension");
    control.setAttribute("disposalMethod", "none");
    control.setAttribute("userInputFlag", "FALSE");
    control.setAttribute("transparentColorFlag", "FALSE");
    control.setAttribute("delayTime", Integer.toString(delay));
    control.setAttribute("transparentColorIndex", "0");
    if (first) {
      IIOMetadataNode extensions = child(root, "ApplicationExtensions");
      IIOMetadataNode loop = new IIOMetadataNode("ApplicationExtension");
      loop.setAttribute("applicationID", "NETSCAPE");
      loop.setAttribute("authenticationCode", "2.0");
      loop.setUserObject(new byte[] {1, 0, 0}); // sub-block 1: loop count 0 = forever
      extensions.appendChild(loop);
    }
    metadata.setFromTree(format, root);
  }

  private static IIOMetadataNode child(IIOMetadataNode root, String name) {
    for (int i = 0; i < root.getLength(); i++) {
      if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
        return (IIOMetadataNode) root.item(i);
      }
    }
    IIOMetadataNode node = new IIOMetadataNode(name);
    root.appendChild(node);
    return node;
  }
}
