package dev.vidgen.server;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes an uploaded conditioning image safely: the format is recognised from the bytes (never from a file name or
 * a client's content type), the dimensions in the header are checked before any pixel is decoded (a small file can
 * declare a gigapixel image), then the first image is decoded. 415 for anything that is not a decodable image, 413
 * for one with too many pixels.
 */
final class ImageCheck {
  /** The most pixels an image may have: 16.8 million, 4096x4096; more than any pipeline conditions on. */
  static final long MAX_PIXELS = 4096L * 4096L;
  static final int MAX_SIDE = 8192;

  private ImageCheck() {}

  static BufferedImage decode(byte[] bytes) {
    if (bytes.length == 0) {
      throw new ApiException(415, "the 'image' part is empty");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (in == null || !readers.hasNext()) {
        throw new ApiException(415, "the 'image' part is not an image this server decodes (PNG, JPEG, BMP or GIF)");
      }
      ImageReader reader = readers.next();
      String format = reader.getFormatName().toUpperCase(Locale.ROOT);
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w < 1 || h < 1) {
          throw new ApiException(415, "the 'image' part (" + format + ") declares an empty " + w + "x" + h + " image");
        }
        if (w > MAX_SIDE || h > MAX_SIDE || (long) w * h > MAX_PIXELS) {
          throw new ApiException(413, String.format(Locale.ROOT, "the 'image' part (%s) is %dx%d pixels; this server "
              + "accepts at most %d pixels (4096x4096) and %d on a side", format, w, h, MAX_PIXELS, MAX_SIDE));
        }
        BufferedImage img = reader.read(0);
        if (img == null) {
          throw new ApiException(415, "the 'image' part (" + format + ") could not be decoded");
        }
        return img;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ApiException a) {
        throw a;
      }
      // Decoders throw IOException for truncated or corrupt data, and sometimes unchecked exceptions too.
      throw new ApiException(415, "the 'image' part could not be decoded as an image: " + e.getMessage());
    }
  }
}
