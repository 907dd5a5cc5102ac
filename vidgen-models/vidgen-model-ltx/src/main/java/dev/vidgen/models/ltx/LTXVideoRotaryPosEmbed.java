package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Scopes;

/**
 * Port of diffusers v0.32.2 {@code models/transformers/transformer_ltx.py} ({@code LTXVideoRotaryPosEmbed} and
 * {@code apply_rotary_emb}): a 3-D rotary embedding over (frame, row, column) of the latent grid, each coordinate
 * scaled by {@code rope_interpolation_scale} and the patch size and normalised by the base grid (20 frames,
 * 2048×2048), mapped to [-1, 1], with {@code dim // 6} frequencies per axis, interleaved pairs, and ones/zeros
 * padding in front when {@code dim % 6 != 0}. Computed in float32, always.
 *
 * @param dim channels the embedding covers (the transformer's inner dim)
 * @param baseNumFrames {@code base_num_frames}
 * @param baseHeight {@code base_height}
 * @param baseWidth {@code base_width}
 * @param patchSize spatial patch size
 * @param patchSizeT temporal patch size
 * @param theta frequency base
 */
public record LTXVideoRotaryPosEmbed(int dim, int baseNumFrames, int baseHeight, int baseWidth, int patchSize,
    int patchSizeT, double theta) {

  /** The rotation of one grid: {@code cos} and {@code sin}, each {@code [B, F*H*W, dim]} float32. */
  public record Freqs(NDArray cos, NDArray sin) {
    /** {@code apply_rotary_emb}: {@code x·cos + rotate(x)·sin}, where rotate maps each pair (a, b) to (-b, a). */
    public NDArray apply(NDArray x) {
      return Scopes.keep(() -> {
        Shape s = x.getShape();
        NDArray xf = x.toType(DataType.FLOAT32, false);
        NDArray pairs = xf.reshape(s.get(0), s.get(1), -1, 2); // (B, S, C/2, 2) = (real, imag)
        NDArray sign = xf.getManager().create(new float[] {-1f, 1f});
        NDArray rotated = pairs.flip(3).mul(sign).reshape(s); // (B, S, C) pairs (-imag, real)
        NDArray out = xf.mul(cos).add(rotated.mul(sin));
        return out.toType(x.getDataType(), false);
      });
    }
  }

  /** The values diffusers' {@code LTXVideoTransformer3DModel} uses. */
  public static LTXVideoRotaryPosEmbed forTransformer(int dim, int patchSize, int patchSizeT) {
    return new LTXVideoRotaryPosEmbed(dim, 20, 2048, 2048, patchSize, patchSizeT, 10000.0);
  }

  /**
   * @param manager where the result lives
   * @param batchSize {@code B}
   * @param numFrames latent frames (after patching)
   * @param height latent rows
   * @param width latent columns
   * @param ropeInterpolationScale (frames, height, width) scale, or null for none
   */
  public Freqs forward(NDManager manager, long batchSize, int numFrames, int height, int width,
      double[] ropeInterpolationScale) {
    NDList out = Scopes.keepAll(() -> {
      NDManager m = manager;
      Shape grid3 = new Shape(numFrames, height, width);
      NDArray gridF = m.arange(0f, numFrames, 1f, DataType.FLOAT32).reshape(numFrames, 1, 1).broadcast(grid3);
      NDArray gridH = m.arange(0f, height, 1f, DataType.FLOAT32).reshape(1, height, 1).broadcast(grid3);
      NDArray gridW = m.arange(0f, width, 1f, DataType.FLOAT32).reshape(1, 1, width).broadcast(grid3);
      if (ropeInterpolationScale != null) {
        // grid[:, 0:1] * scale[0] * patch_size_t / base_num_frames, each a float32 operation in this order
        gridF = gridF.mul((float) ropeInterpolationScale[0]).mul((float) patchSizeT).div((float) baseNumFrames);
        gridH = gridH.mul((float) ropeInterpolationScale[1]).mul((float) patchSize).div((float) baseHeight);
        gridW = gridW.mul((float) ropeInterpolationScale[2]).mul((float) patchSize).div((float) baseWidth);
      }
      long seq = (long) numFrames * height * width;
      NDArray grid = NDArrays.stack(new NDList(gridF.reshape(seq), gridH.reshape(seq), gridW.reshape(seq)), 1)
          .expandDims(0).broadcast(batchSize, seq, 3); // (B, F*H*W, 3)

      int nFreq = dim / 6;
      // theta ** linspace(log(1, theta), log(theta, theta), dim // 6)
      NDArray exponents = m.linspace(0f, 1f, nFreq);
      NDArray freqs = m.full(new Shape(nFreq), (float) theta).pow(exponents);
      freqs = freqs.mul((float) Math.PI).div(2.0f);
      NDArray centred = grid.expandDims(-1).mul(2f).sub(1f); // (B, S, 3, 1)
      NDArray angles = freqs.mul(centred); // (B, S, 3, dim // 6)
      angles = angles.swapAxes(-1, -2).reshape(batchSize, seq, 3L * nFreq); // (B, S, (dim // 6) * 3)
      NDArray cos = angles.cos().repeat(2, 2); // repeat_interleave(2, dim=-1): (B, S, 6 * (dim // 6))
      NDArray sin = angles.sin().repeat(2, 2);
      int pad = dim % 6;
      if (pad != 0) {
        cos = m.ones(new Shape(batchSize, seq, pad)).concat(cos, -1);
        sin = m.zeros(new Shape(batchSize, seq, pad)).concat(sin, -1);
      }
      return new NDList(cos, sin);
    });
    return new Freqs(out.get(0), out.get(1));
  }
}
