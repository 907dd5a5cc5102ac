package dev.vidgen.codec;

import dev.vidgen.api.Video;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Natural-looking test clips drawn with Java2D: a smooth two-axis gradient that drifts over time, anti-aliased
 * shapes that move, and flat colour patches that stay put (to measure colour accuracy away from edges).
 */
final class TestClips {
  /** Flat patches: a colour and where it sits, as fractions of the frame. */
  record Patch(Color color, double x, double y, double w, double h) {
    int left(int width) {
      return (int) Math.round(x * width);
    }

    int top(int height) {
      return (int) Math.round(y * height);
    }

    int right(int width) {
      return (int) Math.round((x + w) * width);
    }

    int bottom(int height) {
      return (int) Math.round((y + h) * height);
    }
  }

  /** Saturated primaries, skin-like, dark and light greys: where range or matrix mistakes show most. */
  static final List<Patch> PATCHES = List.of(
      new Patch(new Color(200, 30, 40), 0.04, 0.70, 0.12, 0.22),
      new Patch(new Color(30, 160, 60), 0.18, 0.70, 0.12, 0.22),
      new Patch(new Color(40, 60, 190), 0.32, 0.70, 0.12, 0.22),
      new Patch(new Color(224, 172, 130), 0.46, 0.70, 0.12, 0.22),
      new Patch(new Color(40, 40, 40), 0.60, 0.70, 0.12, 0.22),
      new Patch(new Color(215, 215, 215), 0.74, 0.70, 0.12, 0.22));

  private TestClips() {}

  /** A {@code width x height} clip of {@code frames} frames at {@code fps}, built through {@link Video#fromImages}. */
  static Video natural(int width, int height, int frames, int fps) {
    return Video.fromImages(images(width, height, frames), fps);
  }

  static List<BufferedImage> images(int width, int height, int frames) {
    List<BufferedImage> out = new ArrayList<>(frames);
    for (int f = 0; f < frames; f++) {
      out.add(frame(width, height, f, frames));
    }
    return out;
  }

  static BufferedImage frame(int width, int height, int f, int frames) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      double t = frames <= 1 ? 0 : (double) f / (frames - 1);
      // Sky-like vertical gradient, then a translucent horizontal one drifting with time.
      g.setPaint(new GradientPaint(0, 0, new Color(70, 120, 200), 0, height, new Color(235, 200, 150)));
      g.fillRect(0, 0, width, height);
      float shift = (float) (t * width * 0.5);
      g.setPaint(new GradientPaint(shift, 0, new Color(255, 255, 255, 0), shift + width * 0.7f, 0,
          new Color(120, 40, 120, 110), true));
      g.fillRect(0, 0, width, height);
      // A sun moving across, a rounded box moving down, a ring moving left.
      double d = Math.min(width, height);
      g.setColor(new Color(250, 220, 90));
      g.fill(new Ellipse2D.Double(width * (0.1 + 0.6 * t), height * 0.08, d * 0.28, d * 0.28));
      g.setColor(new Color(60, 140, 90));
      g.fill(new RoundRectangle2D.Double(width * 0.55, height * (0.05 + 0.3 * t), d * 0.3, d * 0.22, d * 0.08,
          d * 0.08));
      g.setColor(new Color(180, 50, 60));
      g.setStroke(new BasicStroke((float) Math.max(1, d * 0.03)));
      g.draw(new Ellipse2D.Double(width * (0.75 - 0.5 * t), height * 0.35, d * 0.2, d * 0.2));
      for (Patch p : PATCHES) {
        g.setColor(p.color());
        g.fillRect(p.left(width), p.top(height), p.right(width) - p.left(width), p.bottom(height) - p.top(height));
      }
    } finally {
      g.dispose();
    }
    return img;
  }

  /** Frame {@code f} of {@code video} as packed 0xRRGGBB, the 8-bit values every writer starts from. */
  static int[] rgb(Video video, int f) {
    BufferedImage img = video.frame(f);
    return img.getRGB(0, 0, video.width(), video.height(), null, 0, video.width());
  }
}
