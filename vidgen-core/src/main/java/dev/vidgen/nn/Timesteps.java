package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Port of diffusers v0.32.2 {@code models/embeddings.py} ({@code get_timestep_embedding}, {@code Timesteps}): the
 * sinusoidal embedding of (possibly fractional) timesteps, computed in float32 in the same operation order as the
 * Python so the rounding matches.
 *
 * @param numChannels embedding width
 * @param flipSinToCos put cos before sin
 * @param downscaleFreqShift the shift in the frequency denominator
 * @param scale multiplier of the angles
 * @param maxPeriod controls the minimum frequency
 */
public record Timesteps(int numChannels, boolean flipSinToCos, double downscaleFreqShift, double scale,
    int maxPeriod) {

  public Timesteps(int numChannels, boolean flipSinToCos, double downscaleFreqShift) {
    this(numChannels, flipSinToCos, downscaleFreqShift, 1.0, 10000);
  }

  /** @param timesteps {@code [N]} (any numeric type) → {@code [N, numChannels]} float32 */
  public NDArray forward(NDArray timesteps) {
    return Scopes.keep(() -> {
      int half = numChannels / 2;
      NDArray exponent = timesteps.getManager().arange(0f, (float) half, 1f, DataType.FLOAT32)
          .mul((float) -Math.log(maxPeriod)) // -math.log(max_period) * arange(0, half)
          .div((float) (half - downscaleFreqShift));
      NDArray freqs = exponent.exp(); // (half)
      NDArray t = timesteps.toType(DataType.FLOAT32, false).reshape(-1, 1); // (N, 1)
      NDArray args = t.mul(freqs.reshape(1, -1)); // (N, half)
      if (scale != 1.0) {
        args = args.mul((float) scale);
      }
      NDArray sin = args.sin();
      NDArray cos = args.cos();
      NDArray emb = flipSinToCos ? cos.concat(sin, -1) : sin.concat(cos, -1); // (N, 2*half)
      if (numChannels % 2 == 1) {
        emb = emb.concat(emb.getManager().zeros(new ai.djl.ndarray.types.Shape(emb.getShape().get(0), 1)), -1);
      }
      return emb;
    });
  }
}
