package dev.vidgen.codec;

import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.VidgenException;
import dev.vidgen.api.Video;
import dev.vidgen.spi.VideoWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/**
 * Writes a folder of PNG frames, {@code frame_0000.png}, {@code frame_0001.png}, ... (more digits when there are
 * more than 10,000 frames, so that names still sort in frame order). Chosen for a path without extension.
 *
 * <p>The folder is filled under a temporary name and then renamed, so it appears complete or not at all. With
 * {@link SaveOptions#overwrite()}, an existing folder is replaced only if it is empty or holds nothing but frame
 * files, so that a mistyped path cannot wipe an unrelated folder.
 *
 * <p>Written to a stream, the frames come as a ZIP archive of the same files (stored, not deflated again: PNG is
 * already compressed).
 */
public final class PngFramesWriter implements VideoWriter {
  /** Names this writer produces; an existing folder of only these may be replaced. */
  static final Pattern FRAME_NAME = Pattern.compile("frame_\\d{4,}\\.png");

  @Override
  public String name() {
    return "png-frames";
  }

  @Override
  public Set<String> extensions() {
    return Set.of("");
  }

  /** The file name of frame {@code i} of {@code frames}: at least 4 digits, more if the count needs them. */
  static String frameName(int i, int frames) {
    int digits = Math.max(4, Integer.toString(frames - 1).length());
    return String.format(Locale.ROOT, "frame_%0" + digits + "d.png", i);
  }

  @Override
  public void write(Video video, Path target, SaveOptions options) {
    AtomicOutput.writeFolder(target, options.overwrite(), "PNG frames",
        entry -> Files.isRegularFile(entry) && FRAME_NAME.matcher(entry.getFileName().toString()).matches(),
        temp -> {
          ClampedFrames frames = ClampedFrames.of(video, "PNG frames");
          for (int f = 0; f < frames.numFrames(); f++) {
            Files.write(temp.resolve(frameName(f, frames.numFrames())), png(frames, f));
          }
        });
  }

  @Override
  public void write(Video video, OutputStream out, SaveOptions options) {
    ClampedFrames frames = ClampedFrames.of(video, "PNG frames");
    try {
      ZipOutputStream zip = new ZipOutputStream(new NonClosingOutputStream(out));
      zip.setMethod(ZipOutputStream.STORED);
      for (int f = 0; f < frames.numFrames(); f++) {
        byte[] bytes = png(frames, f);
        ZipEntry entry = new ZipEntry(frameName(f, frames.numFrames()));
        CRC32 crc = new CRC32();
        crc.update(bytes);
        entry.setSize(bytes.length);
        entry.setCompressedSize(bytes.length);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
      }
      zip.finish();
      out.flush();
    } catch (IOException e) {
      throw new VidgenException("writing PNG frames (ZIP) to a stream failed: " + e.getMessage(), e);
    }
  }

  private static byte[] png(ClampedFrames frames, int f) throws IOException {
    BufferedImage image = new BufferedImage(frames.width(), frames.height(), BufferedImage.TYPE_INT_RGB);
    image.setRGB(0, 0, frames.width(), frames.height(), frames.rgb(f), 0, frames.width());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(image, "png", bytes)) {
      throw new VidgenException("this Java runtime has no PNG ImageWriter (javax.imageio)");
    }
    return bytes.toByteArray();
  }
}
