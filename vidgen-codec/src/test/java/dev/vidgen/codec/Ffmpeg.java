package dev.vidgen.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** ffprobe and ffmpeg, as the reference decoder for our MP4 files. */
final class Ffmpeg {
  private Ffmpeg() {}

  /** The first video stream's properties and the container's, as ffprobe prints them ({@code key=value}). */
  static Map<String, String> probe(Path file) {
    ExternalTool ffprobe = ExternalTool.ffprobe();
    ExternalTool.Result r = ffprobe.runOk(60, "-v", "error", "-count_frames", "-select_streams", "v:0",
        "-show_entries",
        "stream=codec_name,profile,level,pix_fmt,width,height,r_frame_rate,avg_frame_rate,nb_frames,"
            + "nb_read_frames,duration,time_base,color_range,color_space"
            + ":format=duration,format_name",
        "-of", "default=noprint_wrappers=1", file.toString());
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : r.stdoutText().split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.putIfAbsent(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    return values;
  }

  /** Decodes every frame to packed RGB24 ({@code [F, H, W, 3]} bytes) with ffmpeg's default conversion. */
  static byte[] decodeRgb24(Path file) {
    ExternalTool ffmpeg = ExternalTool.ffmpeg();
    ExternalTool.Result r = ffmpeg.runOk(120, "-v", "error", "-nostdin", "-i", file.toString(), "-f", "rawvideo",
        "-pix_fmt", "rgb24", "-");
    return r.stdout();
  }

  /** Decodes and checks that exactly {@code frames} frames of {@code w x h} came out. */
  static byte[] decodeRgb24(Path file, int frames, int width, int height) {
    byte[] rgb = decodeRgb24(file);
    assertEquals((long) frames * width * height * 3, rgb.length,
        "decoded byte count of " + file.getFileName() + " (frames x " + width + "x" + height + "x3)");
    return rgb;
  }

  /** The container (format) duration as ffprobe prints it. */
  static String formatDuration(Path file) {
    ExternalTool.Result r = ExternalTool.ffprobe().runOk(60, "-v", "error", "-show_entries", "format=duration",
        "-of", "default=noprint_wrappers=1:nokey=1", file.toString());
    return r.stdoutText().trim();
  }

  /** The picture type (I, P, B) of every frame, in order. */
  static List<String> pictureTypes(Path file) {
    ExternalTool.Result r = ExternalTool.ffprobe().runOk(60, "-v", "error", "-select_streams", "v:0",
        "-show_entries", "frame=pict_type", "-of", "default=noprint_wrappers=1:nokey=1", file.toString());
    return r.stdoutText().lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
  }

  /** Decodes every frame to planar Y'CbCr 4:2:0 bytes, as the decoder produced them (no colour conversion). */
  static byte[] decodeYuv420(Path file) {
    ExternalTool.Result r = ExternalTool.ffmpeg().runOk(120, "-v", "error", "-nostdin", "-i", file.toString(),
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-");
    return r.stdout();
  }
}
