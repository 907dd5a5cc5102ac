package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * Functional building blocks that DJL 0.36's PyTorch binding does not expose directly (SiLU, group norm,
 * attention), each written once here so that a faster path can replace it later without touching any model.
 */
public final class Ops {
  private Ops() {}

  /**
   * A 0-dimensional float32 tensor holding {@code value}, in memory owned by libtorch, to multiply or divide by.
   *
   * <p>Use it instead of DJL's {@code x.mul(Number)} / {@code x.div(Number)} / {@code x.pow(Number)} wherever the
   * result may be differentiated. DJL implements those by wrapping a Java direct buffer as a tensor ({@code
   * from_blob}) and closing the wrapper at once; torch's autograd keeps that tensor for the backward pass of the
   * product ({@code MulBackward} saves the other factor), and once the JVM's garbage collector has freed the buffer
   * the backward pass reads freed memory: wrong gradients, NaN, or a crash (seen while training the demo model;
   * {@code ScopesAutogradTest} forces a collection between forward and backward). A tensor made here is
   * reference-counted by torch, so closing its handle is harmless. The arithmetic is the same as {@code
   * x.mul((float) value)}: a float32 0-dim operand.
   */
  public static NDArray scalar(NDArray like, double value) {
    return like.getManager().full(new Shape(), (float) value, ai.djl.ndarray.types.DataType.FLOAT32);
  }

  /** {@code x * value}, safe under autograd (see {@link #scalar}). */
  public static NDArray mul(NDArray x, double value) {
    try (NDArray s = scalar(x, value)) {
      return x.mul(s);
    }
  }

  /** {@code x / value}, safe under autograd (see {@link #scalar}). */
  public static NDArray div(NDArray x, double value) {
    try (NDArray s = scalar(x, value)) {
      return x.div(s);
    }
  }

  /** SiLU / swish: {@code x * sigmoid(x)}. */
  public static NDArray silu(NDArray x) {
    try (NDArray s = Activation.sigmoid(x)) {
      return x.mul(s);
    }
  }

  /** Exact (erf) GELU, torch's default. */
  public static NDArray gelu(NDArray x) {
    return Activation.gelu(x);
  }

  /** GELU with the tanh approximation ({@code approximate="tanh"}, diffusers' "gelu-approximate"). */
  public static NDArray geluTanh(NDArray x) {
    // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
    try (NDArray three = scalar(x, 3); NDArray x3 = x.pow(three); NDArray cubic = mul(x3, 0.044715f);
        NDArray sum = cubic.add(x); NDArray inner = mul(sum, (float) Math.sqrt(2.0 / Math.PI));
        NDArray t = inner.tanh(); NDArray onePlus = t.add(1f); NDArray half = mul(x, 0.5f)) {
      return half.mul(onePlus);
    }
  }

  /** {@code torch.nn.functional.gelu(x, approximate="tanh")} when {@code approximate}, else exact GELU. */
  public static NDArray gelu(NDArray x, boolean approximate) {
    return approximate ? geluTanh(x) : gelu(x);
  }

  /** QuickGELU (OpenAI CLIP): {@code x * sigmoid(1.702 x)}. */
  public static NDArray quickGelu(NDArray x) {
    try (NDArray s = mul(x, 1.702f); NDArray sig = Activation.sigmoid(s)) {
      return x.mul(sig);
    }
  }

  /**
   * {@code torch.nn.functional.group_norm} over a channels-first tensor {@code [N, C, *]}: statistics per sample
   * and group of {@code C / groups} channels (biased variance), then the per-channel affine.
   *
   * <p>The statistics come from one fused {@code layer_norm} over each {@code (sample, group)} row (the same
   * normalisation, biased variance and eps inside the square root) instead of a chain of mean/sub/square/mean/
   * sqrt/div passes over the whole tensor: about half the memory traffic, and half the temporaries.
   */
  public static NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, double eps) {
    Shape s = x.getShape();
    long n = s.get(0);
    long c = s.get(1);
    try (NDArray rows = x.reshape(n * groups, -1)) { // (N*G, C/G * spatial)
      long k = rows.getShape().get(1);
      try (NDArray ones = x.getManager().ones(new Shape(k), x.getDataType());
          NDArray zeros = x.getManager().zeros(new Shape(k), x.getDataType());
          NDArray normed = rows.getNDArrayInternal().layerNorm(rows, new Shape(k), ones, zeros, (float) eps)
              .singletonOrThrow()) {
        NDArray y = normed.reshape(s); // (N, C, *)
        if (weight == null) {
          return y;
        }
        long[] affine = new long[s.dimension()];
        java.util.Arrays.fill(affine, 1);
        affine[1] = c; // (1, C, 1, ...) broadcasts over N and the spatial dims
        try (NDArray w = weight.reshape(affine); NDArray b = bias.reshape(affine); NDArray yw = y.mul(w)) {
          y.close();
          return yw.add(b);
        }
      }
    }
  }

  /** Layer norm over the last dimension; {@code weight}/{@code bias} may be null (no affine). */
  public static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, double eps) {
    long d = x.getShape().get(x.getShape().dimension() - 1);
    if (weight != null) {
      NDArray b = bias;
      boolean ownB = false;
      if (b == null) {
        b = weight.zerosLike();
        ownB = true;
      }
      try {
        return x.getNDArrayInternal().layerNorm(x, new Shape(d), weight, b, (float) eps).singletonOrThrow();
      } finally {
        if (ownB) {
          b.close();
        }
      }
    }
    try (NDArray w = x.getManager().ones(new Shape(d), x.getDataType());
        NDArray b = x.getManager().zeros(new Shape(d), x.getDataType())) {
      return x.getNDArrayInternal().layerNorm(x, new Shape(d), w, b, (float) eps).singletonOrThrow();
    }
  }

  /** RMS norm over the last dimension, computed in float32 as diffusers' RMSNorm does: {@code x * rsqrt(mean(x²) + eps) * w}. */
  public static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
    try (NDArray ms = x.square().mean(new int[] {-1}, true);
        NDArray denom = ms.add((float) eps).sqrt();
        NDArray y = x.div(denom)) {
      return weight == null ? y.duplicate() : y.mul(weight);
    }
  }

  /**
   * Upper bound, in bytes, of one score matrix block in {@link #attention}: longer sequences are processed in
   * blocks of query rows so that memory stays bounded (spatial attention of a 576×320 video UNet would otherwise
   * hold three 8 GB score tensors at once).
   */
  public static final long ATTENTION_BLOCK_BYTES = 256L << 20;

  /**
   * Scaled dot-product attention (the math of {@code F.scaled_dot_product_attention}): {@code softmax(q kᵀ · scale
   * + mask) v}. The scale is applied to the queries ({@code L×D} multiplies rather than {@code L×L}), and the
   * queries are processed in blocks of rows whose score matrix stays under {@link #ATTENTION_BLOCK_BYTES}; each
   * query row's result does not depend on the others, so the blocks are exact.
   *
   * @param q {@code [B, H, Lq, D]}
   * @param k {@code [B, H, Lk, D]}
   * @param v {@code [B, H, Lk, Dv]}
   * @param mask additive mask broadcastable to {@code [B, H, Lq, Lk]}, or null
   * @param scale usually {@code 1/sqrt(D)}
   * @return {@code [B, H, Lq, Dv]}
   */
  public static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask, double scale) {
    if (FlopCounter.counting()) {
      long lk = k.getShape().get(k.getShape().dimension() - 2);
      long dv = v.getShape().get(v.getShape().dimension() - 1);
      FlopCounter.add(2L * q.getShape().size() * lk + 2L * (q.getShape().size() / q.getShape().get(
          q.getShape().dimension() - 1)) * lk * dv); // q kᵀ and probs v
    }
    return attention(q, k, v, mask, scale, ATTENTION_BLOCK_BYTES);
  }

  /** {@link #attention} with an explicit score-block bound (tests use a small one to exercise the blocking). */
  static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask, double scale, long blockBytes) {
    Shape qs = q.getShape();
    int rank = qs.dimension();
    long lq = qs.get(rank - 2);
    long lk = k.getShape().get(rank - 2);
    long rowBytes = qs.size() / qs.get(rank - 1) / lq * lk * q.getDataType().getNumOfBytes(); // one row of scores
    long blockRows = Math.max(1, blockBytes / Math.max(1, rowBytes));
    try (NDArray qScaled = mul(q, (float) scale);
        NDArray kt = k.swapAxes(-1, -2)) { // (B, H, D, Lk)
      if (blockRows >= lq) {
        return attentionBlock(qScaled, kt, v, mask);
      }
      boolean maskHasRows = mask != null && mask.getShape().dimension() >= 2
          && mask.getShape().get(mask.getShape().dimension() - 2) == lq && lq > 1;
      NDList parts = new NDList();
      try {
        for (long start = 0; start < lq; start += blockRows) {
          String rows = "..., " + start + ":" + Math.min(lq, start + blockRows) + ", :";
          try (NDArray qBlock = qScaled.get(rows); NDArray maskBlock = maskHasRows ? mask.get(rows) : null) {
            parts.add(attentionBlock(qBlock, kt, v, maskHasRows ? maskBlock : mask));
          }
        }
        return NDArrays.concat(parts, rank - 2);
      } finally {
        parts.close();
      }
    }
  }

  /** {@code softmax(q kt + mask) v} with the scale already in {@code q}. */
  private static NDArray attentionBlock(NDArray q, NDArray kt, NDArray v, NDArray mask) {
    try (NDArray scores = q.matMul(kt); // (B, H, Lq, Lk)
        NDArray masked = mask == null ? null : scores.add(mask);
        NDArray probs = (masked == null ? scores : masked).softmax(-1)) {
      return probs.matMul(v);
    }
  }

  /** Splits the last dim into heads: {@code [B, L, H*D] -> [B, H, L, D]}. */
  public static NDArray splitHeads(NDArray x, int heads) {
    Shape s = x.getShape();
    try (NDArray r = x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads)) { // (B, L, H, D)
      return r.transpose(0, 2, 1, 3); // (B, H, L, D)
    }
  }

  /** Merges heads back: {@code [B, H, L, D] -> [B, L, H*D]}. */
  public static NDArray mergeHeads(NDArray x) {
    Shape s = x.getShape();
    try (NDArray t = x.transpose(0, 2, 1, 3)) { // (B, L, H, D)
      return t.reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }
  }

  /** Nearest-neighbour 2x up-sampling of the last two dims (exact, as {@code F.interpolate(scale_factor=2.0, mode="nearest")}). */
  public static NDArray upsampleNearest2x(NDArray x) {
    int d = x.getShape().dimension();
    try (NDArray h = x.repeat(d - 2, 2)) {
      return h.repeat(d - 1, 2);
    }
  }

  /**
   * Nearest-neighbour resize of the last two dims to {@code (h, w)}, as {@code F.interpolate(size=(h, w),
   * mode="nearest")}: source index {@code floor(dst * in / out)}.
   */
  public static NDArray upsampleNearest(NDArray x, long h, long w) {
    long[] s = x.getShape().getShape();
    int d = s.length;
    long inH = s[d - 2];
    long inW = s[d - 1];
    long[] rows = new long[(int) h];
    for (int i = 0; i < h; i++) {
      rows[i] = (long) Math.floor(i * ((double) inH / h));
    }
    long[] cols = new long[(int) w];
    for (int i = 0; i < w; i++) {
      cols[i] = (long) Math.floor(i * ((double) inW / w));
    }
    try (NDArray ri = x.getManager().create(rows); NDArray ci = x.getManager().create(cols);
        NDArray byRow = x.swapAxes(d - 2, 0).get(ri).swapAxes(0, d - 2)) {
      try (NDArray t = byRow.swapAxes(d - 1, 0).get(ci)) {
        return t.swapAxes(0, d - 1);
      }
    }
  }
}
