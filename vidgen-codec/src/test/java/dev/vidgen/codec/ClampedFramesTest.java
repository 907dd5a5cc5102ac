package dev.vidgen.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.SaveOptions;
import dev.vidgen.api.Video;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Out-of-range and NaN values are clamped, counted, and reported in exactly one warning per write. */
class ClampedFramesTest {
  @Test
  void clampsCountsAndWarnsOnce() {
    float[] values = new float[2 * 2 * 2 * 3];
    java.util.Arrays.fill(values, 0.5f);
    values[0] = -0.25f;
    values[1] = 1.5f;
    values[2] = Float.NaN;
    values[7] = Float.POSITIVE_INFINITY;
    Video video = new Video(values, 2, 2, 2, 8, null);

    List<LogRecord> records = new ArrayList<>();
    Logger logger = Logger.getLogger("dev.vidgen.codec");
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          records.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(handler);
    try {
      new GifWriter().write(video, new ByteArrayOutputStream(), SaveOptions.DEFAULT);
    } finally {
      logger.removeHandler(handler);
    }
    assertEquals(1, records.size(), "one warning per write");
    String message = java.text.MessageFormat.format(records.get(0).getMessage(), records.get(0).getParameters());
    assertTrue(message.contains("4 of 24"), message);
    assertTrue(message.contains("1 NaN"), message);

    ClampedFrames clamped = ClampedFrames.of(video, "test");
    assertEquals(4, clamped.clampedCount());
    assertEquals(0f, clamped.values()[0]);
    assertEquals(1f, clamped.values()[1]);
    assertEquals(0f, clamped.values()[2]);
    assertEquals(1f, clamped.values()[7]);
    assertEquals(-0.25f, video.value(0, 0, 0, 0), "the video itself is not modified");
  }

  @Test
  void cleanFramesDoNotWarn() {
    ClampedFrames clamped = ClampedFrames.of(TestClips.natural(8, 8, 2, 8), "test");
    assertEquals(0, clamped.clampedCount());
  }
}
