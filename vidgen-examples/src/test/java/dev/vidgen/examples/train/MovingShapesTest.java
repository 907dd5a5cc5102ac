package dev.vidgen.examples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.examples.train.MovingShapes.Clip;
import dev.vidgen.examples.train.MovingShapes.Colour;
import dev.vidgen.examples.train.MovingShapes.Direction;
import dev.vidgen.examples.train.MovingShapes.ShapeKind;
import dev.vidgen.examples.train.MovingShapes.Subject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The training data and the score the demo model is judged by, checked against each other. */
class MovingShapesTest {
  private final MovingShapes data = new MovingShapes(8, 32, 32);

  @Test
  void captionsHaveExactlyTheDocumentedForm() {
    List<Subject> all = Subject.all();
    assertEquals(60, all.size());
    Set<String> captions = new HashSet<>();
    for (Subject s : all) {
      assertTrue(s.caption().matches("a (red|green|blue|yellow|white) (circle|square|triangle) moving "
          + "(left|right|up|down)"), s.caption());
      captions.add(s.caption());
    }
    assertEquals(60, captions.size());
    assertEquals("a red circle moving right",
        new Subject(Colour.RED, ShapeKind.CIRCLE, Direction.RIGHT).caption());
  }

  @Test
  void paletteIsThePureSrgbColoursOfTheIssue() {
    assertArrayEquals(new float[] {1, 0, 0}, Colour.RED.rgb());
    assertArrayEquals(new float[] {0, 204 / 255f, 0}, Colour.GREEN.rgb());
    assertArrayEquals(new float[] {0, 0, 1}, Colour.BLUE.rgb());
    assertArrayEquals(new float[] {1, 1, 0}, Colour.YELLOW.rgb());
    assertArrayEquals(new float[] {1, 1, 1}, Colour.WHITE.rgb());
  }

  @Test
  void sameSeedSameClip() {
    Clip a = data.sample(new SplittableRandom(3));
    Clip b = data.sample(new SplittableRandom(3));
    assertEquals(a.caption(), b.caption());
    assertArrayEquals(a.frames(), b.frames());
  }

  /** Every training clip scores right: the scorer and the data agree on what colour and direction mean. */
  @Test
  void everyGroundTruthClipScoresRight() {
    SplittableRandom rng = new SplittableRandom(1);
    for (Subject s : Subject.all()) {
      for (int k = 0; k < 3; k++) {
        Clip c = data.sample(s, rng);
        for (float v : c.frames()) {
          assertTrue(v >= 0f && v <= 1f);
        }
        MotionScore.Result r = MotionScore.score(c.frames(), 8, 32, 32, s.colour(), s.direction());
        assertTrue(r.right(), s.caption() + ": " + r.describe());
        double along = s.direction().dx() * r.dx() + s.direction().dy() * r.dy();
        assertTrue(along > 10 && along < 23, s.caption() + " travels " + along + " px: " + r.describe());
      }
    }
  }

  /**
   * Edge to edge, every clip starts touching the side it comes from and ends touching the other: its centroid
   * travels the frame minus one shape across (about 20 px at 32x32), and scores right.
   */
  @Test
  void edgeToEdgeClipsCrossTheWholeFrame() {
    MovingShapes crossing = new MovingShapes(8, 32, 32, true, 0);
    SplittableRandom rng = new SplittableRandom(5);
    for (Subject s : Subject.all()) {
      Clip c = crossing.sample(s, rng);
      MotionScore.Result r = MotionScore.score(c.frames(), 8, 32, 32, s.colour(), s.direction());
      assertTrue(r.right(), s.caption() + ": " + r.describe());
      double along = s.direction().dx() * r.dx() + s.direction().dy() * r.dy();
      // shapes of radius 4-6 px: travel 32 - 2 (r + 0.5) = 19-23 px (the triangle's centroid sits off its centre)
      assertTrue(along > 17 && along < 24, s.caption() + " travels " + along + " px: " + r.describe());
    }
  }

  /**
   * With a trail, every clip still scores right (the ghosts' blended colours are not palette colours), and a single
   * frame shows the way: the object's own colour sits ahead of the centre of all its tinted pixels.
   */
  @ParameterizedTest
  @ValueSource(ints = {3, 5})
  void trailedClipsScoreRightAndEachFrameShowsTheWay(int ghosts) {
    MovingShapes trailed = new MovingShapes(8, 32, 32, false, ghosts);
    SplittableRandom rng = new SplittableRandom(6);
    for (Subject s : Subject.all()) {
      Clip c = trailed.sample(s, rng);
      MotionScore.Result r = MotionScore.score(c.frames(), 8, 32, 32, s.colour(), s.direction());
      assertTrue(r.right(), s.caption() + ": " + r.describe());
      // frame 4: centroid of pure-colour pixels vs centroid of every pixel brighter than the background range
      double pure = 0;
      double pureN = 0;
      double tinted = 0;
      double tintedN = 0;
      float[] rgb = s.colour().rgb();
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 32; x++) {
          int i = ((4 * 32 + y) * 32 + x) * 3;
          double dist = Math.sqrt(Math.pow(c.frames()[i] - rgb[0], 2) + Math.pow(c.frames()[i + 1] - rgb[1], 2)
              + Math.pow(c.frames()[i + 2] - rgb[2], 2));
          double along = s.direction().dx() * x + s.direction().dy() * y;
          if (dist < MotionScore.MATCH_DISTANCE) {
            pure += along;
            pureN++;
          }
          float max = Math.max(c.frames()[i], Math.max(c.frames()[i + 1], c.frames()[i + 2]));
          if (max > 0.25f) {
            tinted += along;
            tintedN++;
          }
        }
      }
      assertTrue(pure / pureN > tinted / tintedN + 0.25, s.caption() + ": the trail is not behind the object: "
          + pure / pureN + " vs " + tinted / tintedN);
    }
  }

  /** With the heading light every clip still scores right, and the background is brighter ahead than behind. */
  @Test
  void headingLightBrightensTheBackgroundTowardsTheHeading() {
    MovingShapes lit = new MovingShapes(8, 32, 32, false, 0, true);
    SplittableRandom rng = new SplittableRandom(8);
    for (Subject s : Subject.all()) {
      Clip c = lit.sample(s, rng);
      MotionScore.Result r = MotionScore.score(c.frames(), 8, 32, 32, s.colour(), s.direction());
      assertTrue(r.right(), s.caption() + ": " + r.describe());
      // the corner pixels ahead of and behind the motion, in a frame where the object is elsewhere: the two
      // corners on the side it goes to against the two on the side it comes from (red channel: grey backgrounds)
      int dx = s.direction().dx();
      int dy = s.direction().dy();
      int aheadX = dx > 0 ? 31 : dx < 0 ? 0 : 0;
      int aheadY = dy > 0 ? 31 : dy < 0 ? 0 : 0;
      int behindX = dx != 0 ? 31 - aheadX : 0;
      int behindY = dy != 0 ? 31 - aheadY : 0;
      float ahead = c.frames()[(aheadY * 32 + aheadX) * 3 + 2];
      float behind = c.frames()[(behindY * 32 + behindX) * 3 + 2];
      assertTrue(ahead - behind >= 0.15f && ahead <= 0.43f, s.caption() + ": ahead " + ahead + ", behind " + behind);
    }
  }

  /** The score can fail: the same clips with the wrong colour, or played backwards, are wrong. */
  @Test
  void scoreRejectsWrongColourAndReversedMotion() {
    SplittableRandom rng = new SplittableRandom(2);
    for (Subject s : Subject.all()) {
      Clip c = data.sample(s, rng);
      Colour other = Colour.values()[(s.colour().ordinal() + 1) % Colour.values().length];
      assertFalse(MotionScore.score(c.frames(), 8, 32, 32, other, s.direction()).colourRight(), s.caption());
      float[] reversed = new float[c.frames().length];
      int frame = 32 * 32 * 3;
      for (int f = 0; f < 8; f++) {
        System.arraycopy(c.frames(), f * frame, reversed, (7 - f) * frame, frame);
      }
      MotionScore.Result r = MotionScore.score(reversed, 8, 32, 32, s.colour(), s.direction());
      assertTrue(r.colourRight(), s.caption());
      assertFalse(r.directionRight(), s.caption() + " reversed: " + r.describe());
    }
  }

  @Test
  void staticOrEmptyVideosAreWrong() {
    Clip c = data.sample(new Subject(Colour.RED, ShapeKind.SQUARE, Direction.LEFT), new SplittableRandom(4));
    float[] still = new float[c.frames().length];
    int frame = 32 * 32 * 3;
    for (int f = 0; f < 8; f++) {
      System.arraycopy(c.frames(), 0, still, f * frame, frame);
    }
    MotionScore.Result r = MotionScore.score(still, 8, 32, 32, Colour.RED, Direction.LEFT);
    assertTrue(r.colourRight());
    assertFalse(r.directionRight(), r.describe());
    MotionScore.Result black = MotionScore.score(new float[c.frames().length], 8, 32, 32, Colour.RED,
        Direction.LEFT);
    assertFalse(black.colourRight());
    assertFalse(black.directionRight());
  }
}
