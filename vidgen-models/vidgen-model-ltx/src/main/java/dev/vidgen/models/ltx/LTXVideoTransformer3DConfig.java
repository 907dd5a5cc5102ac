package dev.vidgen.models.ltx;

import dev.vidgen.nn.FeedForward;
import dev.vidgen.weights.JsonConfig;

/**
 * {@code transformer/config.json} of diffusers v0.32.2 {@code LTXVideoTransformer3DModel}, with its {@code
 * __init__} defaults (which are the published LTX-Video 0.9.0/0.9.1 values).
 *
 * @param inChannels latent channels in
 * @param outChannels latent channels out ({@code out_channels or in_channels})
 * @param patchSize spatial patch size
 * @param patchSizeT temporal patch size
 * @param numAttentionHeads heads
 * @param attentionHeadDim channels per head (inner dim = heads × this)
 * @param crossAttentionDim channels of the projected caption
 * @param numLayers transformer blocks
 * @param activationFn feed-forward activation
 * @param normElementwiseAffine the blocks' RMS norms have weights
 * @param normEps epsilon of the blocks' RMS norms
 * @param captionChannels channels of the text encoder output
 * @param attentionBias q/k/v projections have biases
 * @param attentionOutBias output projections have biases
 */
public record LTXVideoTransformer3DConfig(int inChannels, int outChannels, int patchSize, int patchSizeT,
    int numAttentionHeads, int attentionHeadDim, int crossAttentionDim, int numLayers,
    FeedForward.Activation activationFn, boolean normElementwiseAffine, double normEps, int captionChannels,
    boolean attentionBias, boolean attentionOutBias) {

  /** {@code num_attention_heads * attention_head_dim}. */
  public int innerDim() {
    return numAttentionHeads * attentionHeadDim;
  }

  public static LTXVideoTransformer3DConfig parse(JsonConfig c) {
    int in = c.getInt("in_channels", 128);
    int out = c.getInt("out_channels", 128);
    String qkNorm = c.getString("qk_norm", "rms_norm_across_heads");
    if (!qkNorm.equals("rms_norm_across_heads")) {
      throw c.error("qk_norm", "must be 'rms_norm_across_heads' (the LTX attention processor normalises "
          + "queries and keys across heads), got '" + qkNorm + "'");
    }
    LTXVideoTransformer3DConfig cfg = new LTXVideoTransformer3DConfig(in, out == 0 ? in : out,
        c.getInt("patch_size", 1), c.getInt("patch_size_t", 1), c.getInt("num_attention_heads", 32),
        c.getInt("attention_head_dim", 64), c.getInt("cross_attention_dim", 2048), c.getInt("num_layers", 28),
        c.getEnum("activation_fn", FeedForward.Activation.class, FeedForward.Activation.GELU_APPROXIMATE),
        c.getBool("norm_elementwise_affine", false), c.getDouble("norm_eps", 1e-6),
        c.getInt("caption_channels", 4096), c.getBool("attention_bias", true), c.getBool("attention_out_bias", true));
    if (cfg.innerDim() != cfg.crossAttentionDim()) {
      // The caption projection outputs inner_dim channels, which attn2 reads as cross_attention_dim.
      throw c.error("cross_attention_dim", "must equal num_attention_heads * attention_head_dim = "
          + cfg.innerDim() + " (the caption projection's width), got " + cfg.crossAttentionDim());
    }
    c.logUnknown("LTXVideoTransformer3DModel");
    return cfg;
  }
}
