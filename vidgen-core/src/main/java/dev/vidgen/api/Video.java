package dev.vidgen.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkElementIndex;

import dev.vidgen.spi.VideoWriter;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * A generated video: frames as one host float array {@code [F, H, W, 3]} (RGB, values in [0, 1]), its frame
 * rate and the settings that made it. Immutable; holds no native memory.
 */
public final class Video {
  private final float[] frames;
  private final int numFrames;
  private final int height;
  private final int width;
  private final int fps;
  private final GenerationInfo info;

  public Video(float[] frames, int numFrames, int height, int width, int fps, GenerationInfo info) {
    checkArgument(numFrames >= 1 && height >= 1 && width >= 1, "video must have at least one 1x1 frame, got %sx%sx%s",
        numFrames, height, width);
    checkArgument((long) numFrames * height * width * 3 == frames.length,
        "frames array has %s values, expected F*H*W*3 = %s*%s*%s*3", frames.length, numFrames, height, width);
    checkArgument(fps >= 1, "fps must be >= 1 but was %s", fps);
    this.frames = frames;
    this.numFrames = numFrames;
    this.height = height;
    this.width = width;
    this.fps = fps;
    this.info = info;
  }

  /** Frames from images, e.g. to encode existing pictures. All images must share one size. */
  public static Video fromImages(List<BufferedImage> images, int fps) {
    checkArgument(!images.isEmpty(), "no images");
    int h = images.get(0).getHeight();
    int w = images.get(0).getWidth();
    float[] data = new float[images.size() * h * w * 3];
    for (int f = 0; f < images.size(); f++) {
      BufferedImage img = images.get(f);
      checkArgument(img.getWidth() == w && img.getHeight() == h, "image %s is %sx%s, expected %sx%s", f,
          img.getWidth(), img.getHeight(), w, h);
      int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
      int base = f * h * w * 3;
      for (int i = 0; i < rgb.length; i++) {
        data[base + 3 * i] = ((rgb[i] >> 16) & 0xff) / 255f;
        data[base + 3 * i + 1] = ((rgb[i] >> 8) & 0xff) / 255f;
        data[base + 3 * i + 2] = (rgb[i] & 0xff) / 255f;
      }
    }
    return new Video(data, images.size(), h, w, fps, null);
  }

  /**
   * The same video with every pixel repeated {@code factor} times across and down (nearest neighbour), e.g. to view
   * a 32x32 demo video at 256x256 without blurring it. {@code factor} 1 returns this video.
   */
  public Video scaled(int factor) {
    checkArgument(factor >= 1 && (long) height * factor <= 8192 && (long) width * factor <= 8192,
        "scale factor must be >= 1 and keep frames within 8192 pixels, got %s for %sx%s", factor, width, height);
    if (factor == 1) {
      return this;
    }
    int h2 = height * factor;
    int w2 = width * factor;
    float[] out = new float[numFrames * h2 * w2 * 3];
    for (int f = 0; f < numFrames; f++) {
      for (int y = 0; y < h2; y++) {
        int src = ((f * height + y / factor) * width) * 3;
        int dst = ((f * h2 + y) * w2) * 3;
        for (int x = 0; x < w2; x++) {
          System.arraycopy(frames, src + (x / factor) * 3, out, dst + x * 3, 3);
        }
      }
    }
    return new Video(out, numFrames, h2, w2, fps, info);
  }

  /** The same frames (shared, not copied: a Video never changes them) with other generation settings. */
  public Video withInfo(GenerationInfo info) {
    return new Video(frames, numFrames, height, width, fps, info);
  }

  public int numFrames() {
    return numFrames;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public int fps() {
    return fps;
  }

  /** Settings and timings of the generation; null for a video built from images. */
  public GenerationInfo info() {
    return info;
  }

  /** A copy of all frames, {@code [F, H, W, 3]} in [0, 1]. */
  public float[] frames() {
    return frames.clone();
  }

  /** The frames as a host tensor {@code [F, H, W, 3]}. */
  public HostTensor toTensor() {
    return HostTensor.of(frames.clone(), numFrames, height, width, 3);
  }

  /** Value of one channel of one pixel, without copying. */
  public float value(int frame, int y, int x, int channel) {
    checkElementIndex(frame, numFrames, "frame");
    checkElementIndex(y, height, "y");
    checkElementIndex(x, width, "x");
    checkElementIndex(channel, 3, "channel");
    return frames[((frame * height + y) * width + x) * 3 + channel];
  }

  /** Frame {@code i} as an 8-bit sRGB image (values clamped to [0, 1], NaN as 0, rounded). */
  public BufferedImage frame(int i) {
    checkElementIndex(i, numFrames, "frame");
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] rgb = new int[height * width];
    int base = i * height * width * 3;
    for (int p = 0; p < rgb.length; p++) {
      int r = toByte(frames[base + 3 * p]);
      int g = toByte(frames[base + 3 * p + 1]);
      int b = toByte(frames[base + 3 * p + 2]);
      rgb[p] = (r << 16) | (g << 8) | b;
    }
    img.setRGB(0, 0, width, height, rgb, 0, width);
    return img;
  }

  /** All frames as images. */
  public List<BufferedImage> toImages() {
    List<BufferedImage> out = new ArrayList<>(numFrames);
    for (int i = 0; i < numFrames; i++) {
      out.add(frame(i));
    }
    return out;
  }

  /** Rounds a [0, 1] value to 8 bits the way diffusers' numpy_to_pil does ({@code (x * 255).round()}). */
  public static int toByte(float v) {
    if (!(v > 0f)) {
      return 0; // NaN and negatives
    }
    if (v >= 1f) {
      return 255;
    }
    return Math.round(v * 255f);
  }

  /**
   * Writes the video, choosing the format by the file extension ({@code .mp4}, {@code .gif}, or a folder of PNG
   * frames for a path without extension). Refuses to replace an existing file; see {@link #save(Path,
   * SaveOptions)}.
   */
  public void save(Path target) {
    save(target, SaveOptions.DEFAULT);
  }

  public void save(Path target, SaveOptions options) {
    writerFor(target).write(this, target, options);
  }

  /** The installed {@link VideoWriter} for a path's extension (or for a folder). */
  public static VideoWriter writerFor(Path target) {
    String name = target.getFileName() == null ? "" : target.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    List<String> known = new ArrayList<>();
    for (VideoWriter w : ServiceLoader.load(VideoWriter.class)) {
      if (w.extensions().contains(ext)) {
        return w;
      }
      known.addAll(w.extensions());
    }
    if (known.isEmpty()) {
      throw new UnsupportedModelException("no VideoWriter is installed: add the vidgen-codec module to the "
          + "classpath to write " + target);
    }
    throw new IllegalArgumentException("cannot write '" + target + "': unknown extension '" + ext
        + "'; installed writers handle " + known.stream().map(e -> e.isEmpty() ? "(folder of PNGs)" : "." + e)
            .toList());
  }
}
