package dev.vidgen.examples.train;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An initialisation that gives a freshly built {@code UNet3DConditionModel} a sense of where each frame sits in the
 * clip, without changing its architecture or weight names.
 *
 * <p>UNet3D has no frame-position embedding: its temporal attention is blind to frame order, and only the temporal
 * convolutions' zero padding tells the first and last frames apart. A model trained from scratch must discover that
 * and build a position signal from it before a caption can say "frame 0 on the left, frame 7 on the right". This
 * initialisation builds it at once, in every {@code TemporalConvLayer}, from the padding: in the last channel group
 * of the hidden path, the first norm turns two channels into constants (weight 0, bias 2), the first convolution
 * shifts them by one frame ({@code s·[f >= 1]}, {@code s·[f <= F - 2]}), and the next three each add a shifted copy
 * ({@code v(f - 1) + v(f)}, {@code v(f) + v(f + 1)}), so that after the fourth convolution one channel counts frames
 * from the start (distinct for frames 0, 1, 2, 3 and the rest) and one from the end. The fourth convolution, zero
 * elsewhere as diffusers initialises it, adds both, scaled, to two channels of the layer's output. Training is free to
 * change all of it.
 */
public final class FramePositionInit {
  private static final Pattern TEMP_CONV = Pattern.compile("(.*\\.temp_convs\\.\\d+)\\.conv1\\.0\\.weight");
  /** Norm bias that keeps the position channels in SiLU's nearly linear, positive range. */
  private static final float NORM_BIAS = 2f;
  /** Scale of the position channels added to the layer's output. */
  private static final float OUT_SCALE = 0.25f;

  private FramePositionInit() {}

  /**
   * Applies the initialisation to every temporal convolution layer among {@code params} (diffusers names).
   *
   * @param groups the UNet's {@code norm_num_groups}
   * @return how many layers were set
   */
  public static int apply(Map<String, NDArray> params, int groups) {
    int n = 0;
    for (String key : params.keySet().toArray(new String[0])) {
      Matcher m = TEMP_CONV.matcher(key);
      if (m.matches()) {
        applyTo(params, m.group(1), groups);
        n++;
      }
    }
    return n;
  }

  private static void applyTo(Map<String, NDArray> params, String layer, int groups) {
    NDArray norm1 = params.get(layer + ".conv1.0.weight");
    int channels = Math.toIntExact(norm1.getShape().get(0));
    int perGroup = channels / groups;
    if (perGroup < 2) {
      throw new IllegalArgumentException(layer + ": need at least 2 channels per norm group, got " + channels + "/"
          + groups);
    }
    int first = channels - perGroup; // the last group
    int fromStart = first;
    int fromEnd = first + 1;
    for (int stage = 1; stage <= 4; stage++) {
      String normName = layer + ".conv" + stage + ".0";
      String convName = layer + ".conv" + stage + (stage == 1 ? ".2" : ".3");
      float[] gw = params.get(normName + ".weight").toFloatArray();
      float[] gb = params.get(normName + ".bias").toFloatArray();
      for (int c = first; c < first + perGroup; c++) {
        boolean position = c == fromStart || c == fromEnd;
        // stage 1: constants; later: the normalised position values, shifted into SiLU's positive range
        gw[c] = stage == 1 || !position ? 0f : 1f;
        gb[c] = position ? NORM_BIAS : 0f;
      }
      params.get(normName + ".weight").set(gw);
      params.get(normName + ".bias").set(gb);

      NDArray conv = params.get(convName + ".weight"); // (out, in, 3, 1, 1)
      long[] shape = conv.getShape().getShape();
      int out = Math.toIntExact(shape[0]);
      int in = Math.toIntExact(shape[1]);
      float[] w = conv.toFloatArray();
      float[] b = params.get(convName + ".bias").toFloatArray();
      int[] rows = stage == 4 ? new int[] {channels - 2, channels - 1} : new int[] {fromStart, fromEnd};
      for (int r = 0; r < rows.length; r++) {
        int o = rows[r];
        if (o >= out) {
          continue;
        }
        for (int i = 0; i < in * 3; i++) {
          w[o * in * 3 + i] = 0f;
        }
        b[o] = 0f;
        int src = r == 0 ? fromStart : fromEnd;
        float scale = stage == 4 ? OUT_SCALE : 1f;
        // kernel taps: 0 = frame f - 1, 1 = frame f, 2 = frame f + 1
        if (stage == 1) {
          w[(o * in + src) * 3 + (r == 0 ? 0 : 2)] = 1f;
        } else {
          w[(o * in + src) * 3 + 1] = scale;
          w[(o * in + src) * 3 + (r == 0 ? 0 : 2)] = scale;
        }
      }
      if (stage < 4) {
        // the other channels of the group carry nothing along the position path
        for (int o = first; o < first + perGroup && o < out; o++) {
          if (o != fromStart && o != fromEnd) {
            for (int i = 0; i < in * 3; i++) {
              w[o * in * 3 + i] = 0f;
            }
            b[o] = 0f;
          }
        }
      }
      conv.set(w);
      params.get(convName + ".bias").set(b);
    }
  }
}
