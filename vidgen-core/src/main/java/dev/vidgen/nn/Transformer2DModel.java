package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/transformers/transformer_2d.py} ({@code Transformer2DModel}), continuous
 * input path ({@code in_channels} set, no {@code patch_size}, no {@code num_vector_embeds}): group norm ({@code
 * norm}, eps 1e-6), {@code proj_in} as a Linear over tokens ({@code use_linear_projection}) or a 1×1 Conv2d, the
 * {@link BasicTransformerBlock}s ({@code transformer_blocks.*}), {@code proj_out} likewise, plus the input as a
 * residual. Input and output {@code [N, C, H, W]}.
 */
public final class Transformer2DModel {
  /**
   * The constructor arguments of diffusers' {@code Transformer2DModel} (continuous input) that change weights or
   * arithmetic. {@code num_embeds_ada_norm} must be None and {@code attention_type} "default" (not represented).
   *
   * @param numAttentionHeads heads of each block
   * @param attentionHeadDim channels per head
   * @param inChannels input channels
   * @param outChannels output channels, or null for {@code inChannels}
   * @param numLayers number of {@link BasicTransformerBlock}s
   * @param normNumGroups groups of the input group norm
   * @param crossAttentionDim channels of {@code encoder_hidden_states}, or null
   * @param attentionBias q/k/v projections have biases
   * @param activationFn feed-forward activation
   * @param useLinearProjection {@code proj_in}/{@code proj_out} are Linear (else 1×1 Conv2d)
   * @param onlyCrossAttention see {@link BasicTransformerBlock.Config}
   * @param doubleSelfAttention see {@link BasicTransformerBlock.Config}
   * @param upcastAttention see {@link BasicTransformerBlock.Config}
   * @param normType see {@link BasicTransformerBlock.Config}
   * @param normElementwiseAffine see {@link BasicTransformerBlock.Config}
   * @param normEps epsilon of the blocks' LayerNorms
   */
  public record Config(int numAttentionHeads, int attentionHeadDim, int inChannels, Integer outChannels,
      int numLayers, int normNumGroups, Integer crossAttentionDim, boolean attentionBias,
      FeedForward.Activation activationFn, boolean useLinearProjection, boolean onlyCrossAttention,
      boolean doubleSelfAttention, boolean upcastAttention, BasicTransformerBlock.NormType normType,
      boolean normElementwiseAffine, double normEps) {

    /** The arguments UNet blocks pass; everything else at diffusers' defaults (GEGLU, LayerNorm eps 1e-5). */
    public static Config of(int numAttentionHeads, int attentionHeadDim, int inChannels, int numLayers,
        Integer crossAttentionDim, int normNumGroups, boolean useLinearProjection) {
      return new Config(numAttentionHeads, attentionHeadDim, inChannels, null, numLayers, normNumGroups,
          crossAttentionDim, false, FeedForward.Activation.GEGLU, useLinearProjection, false, false, false,
          BasicTransformerBlock.NormType.LAYER_NORM, true, 1e-5);
    }

    public Config withOnlyCrossAttention(boolean b) {
      return new Config(numAttentionHeads, attentionHeadDim, inChannels, outChannels, numLayers, normNumGroups,
          crossAttentionDim, attentionBias, activationFn, useLinearProjection, b, doubleSelfAttention,
          upcastAttention, normType, normElementwiseAffine, normEps);
    }

    public Config withUpcastAttention(boolean b) {
      return new Config(numAttentionHeads, attentionHeadDim, inChannels, outChannels, numLayers, normNumGroups,
          crossAttentionDim, attentionBias, activationFn, useLinearProjection, onlyCrossAttention,
          doubleSelfAttention, b, normType, normElementwiseAffine, normEps);
    }

    /** {@code num_attention_heads * attention_head_dim}. */
    public int innerDim() {
      return numAttentionHeads * attentionHeadDim;
    }

    public int outChannelsOrIn() {
      return outChannels == null ? inChannels : outChannels;
    }

    /** The configuration every {@link BasicTransformerBlock} of this model gets. */
    public BasicTransformerBlock.Config blockConfig() {
      return new BasicTransformerBlock.Config(innerDim(), numAttentionHeads, attentionHeadDim, crossAttentionDim,
          activationFn, attentionBias, onlyCrossAttention, doubleSelfAttention, upcastAttention,
          normElementwiseAffine, normType, normEps, null, true, true);
    }
  }

  private final Config cfg;
  private final GroupNorm norm;
  private final Linear projIn;
  private final Conv projInConv;
  private final List<BasicTransformerBlock> transformerBlocks;
  private final Linear projOut;
  private final Conv projOutConv;

  public Transformer2DModel(Weights w, Config cfg) {
    this.cfg = cfg;
    int inner = cfg.innerDim();
    this.norm = GroupNorm.load(w.at("norm"), cfg.normNumGroups(), cfg.inChannels(), 1e-6);
    if (cfg.useLinearProjection()) {
      this.projIn = Linear.load(w.at("proj_in"), cfg.inChannels(), inner);
      this.projInConv = null;
    } else {
      this.projIn = null;
      this.projInConv = Conv.load2d(w.at("proj_in"), cfg.inChannels(), inner, 1, 1, 0);
    }
    List<BasicTransformerBlock> blocks = new ArrayList<>();
    for (int i = 0; i < cfg.numLayers(); i++) {
      blocks.add(new BasicTransformerBlock(w.at("transformer_blocks").at(i), cfg.blockConfig()));
    }
    this.transformerBlocks = List.copyOf(blocks);
    if (cfg.useLinearProjection()) {
      this.projOut = Linear.load(w.at("proj_out"), inner, cfg.outChannelsOrIn());
      this.projOutConv = null;
    } else {
      this.projOut = null;
      this.projOutConv = Conv.load2d(w.at("proj_out"), inner, cfg.outChannelsOrIn(), 1, 1, 0);
    }
  }

  public Config config() {
    return cfg;
  }

  /**
   * @param hidden {@code [N, C, H, W]}
   * @param encoderHiddenStates {@code [N, S, cross_attention_dim]} or null
   * @return {@code [N, C_out, H, W]}: the blocks' output plus {@code hidden}
   */
  public NDArray forward(NDArray hidden, NDArray encoderHiddenStates) {
    return Scopes.keep(() -> {
      Shape s = hidden.getShape();
      long batch = s.get(0);
      long height = s.get(2);
      long width = s.get(3);
      // 1. Input (diffusers _operate_on_continuous_inputs)
      NDArray h = norm.forward(hidden);
      if (projInConv != null) {
        h = projInConv.forward(h);
        long inner = h.getShape().get(1);
        h = h.transpose(0, 2, 3, 1).reshape(batch, height * width, inner); // (N, H*W, inner)
      } else {
        h = h.transpose(0, 2, 3, 1).reshape(batch, height * width, s.get(1)); // (N, H*W, C)
        h = projIn.forward(h); // (N, H*W, inner)
      }
      // 2. Blocks
      for (BasicTransformerBlock block : transformerBlocks) {
        h = block.forward(h, encoderHiddenStates);
      }
      // 3. Output (diffusers _get_output_for_continuous_inputs)
      if (projOutConv != null) {
        h = h.reshape(batch, height, width, cfg.innerDim()).transpose(0, 3, 1, 2); // (N, inner, H, W)
        h = projOutConv.forward(h); // (N, C_out, H, W)
      } else {
        h = projOut.forward(h); // (N, H*W, C_out)
        h = h.reshape(batch, height, width, cfg.outChannelsOrIn()).transpose(0, 3, 1, 2); // (N, C_out, H, W)
      }
      // output = hidden_states + residual; the residual first, so that the result takes its contiguous (N, C, H, W)
      // layout (diffusers calls .contiguous()) rather than the channels-last layout of the permuted view
      return hidden.add(h);
    });
  }
}
