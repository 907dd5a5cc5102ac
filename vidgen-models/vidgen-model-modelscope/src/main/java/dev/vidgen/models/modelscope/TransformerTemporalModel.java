package dev.vidgen.models.modelscope;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.BasicTransformerBlock;
import dev.vidgen.nn.FeedForward;
import dev.vidgen.nn.GroupNorm;
import dev.vidgen.nn.Linear;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/transformers/transformer_temporal.py} ({@code TransformerTemporalModel}):
 * attention along the frame axis. Each pixel of each video is one sequence of F tokens: group norm over {@code (C,
 * F, H, W)} per video ({@code norm}, eps 1e-6), Linear {@code proj_in}, the {@link BasicTransformerBlock}s ({@code
 * transformer_blocks.*}; by default both attentions are self-attentions), Linear {@code proj_out}, plus the input.
 */
public final class TransformerTemporalModel {
  /**
   * The constructor arguments of diffusers' {@code TransformerTemporalModel} that change weights or arithmetic
   * ({@code positional_embeddings} must be None; not represented).
   *
   * @param numAttentionHeads heads
   * @param attentionHeadDim channels per head
   * @param inChannels input and output channels
   * @param numLayers number of blocks
   * @param normNumGroups groups of the input group norm
   * @param crossAttentionDim passed to the blocks (unused by their attentions when {@code doubleSelfAttention})
   * @param attentionBias q/k/v projections have biases
   * @param activationFn feed-forward activation
   * @param normElementwiseAffine the blocks' LayerNorms have weight and bias
   * @param doubleSelfAttention {@code attn2} is a second self-attention
   */
  public record Config(int numAttentionHeads, int attentionHeadDim, int inChannels, int numLayers,
      int normNumGroups, Integer crossAttentionDim, boolean attentionBias, FeedForward.Activation activationFn,
      boolean normElementwiseAffine, boolean doubleSelfAttention) {

    /** The arguments {@code UNet3DConditionModel} passes; the rest at diffusers' defaults. */
    public static Config of(int numAttentionHeads, int attentionHeadDim, int inChannels, int numLayers,
        int normNumGroups, Integer crossAttentionDim) {
      return new Config(numAttentionHeads, attentionHeadDim, inChannels, numLayers, normNumGroups,
          crossAttentionDim, false, FeedForward.Activation.GEGLU, true, true);
    }

    public int innerDim() {
      return numAttentionHeads * attentionHeadDim;
    }
  }

  private final Config cfg;
  private final GroupNorm norm;
  private final Linear projIn;
  private final List<BasicTransformerBlock> transformerBlocks;
  private final Linear projOut;

  public TransformerTemporalModel(Weights w, Config cfg) {
    this.cfg = cfg;
    int inner = cfg.innerDim();
    this.norm = GroupNorm.load(w.at("norm"), cfg.normNumGroups(), cfg.inChannels(), 1e-6);
    this.projIn = Linear.load(w.at("proj_in"), cfg.inChannels(), inner);
    BasicTransformerBlock.Config block = BasicTransformerBlock.Config
        .of(inner, cfg.numAttentionHeads(), cfg.attentionHeadDim(), cfg.crossAttentionDim())
        .withActivationFn(cfg.activationFn())
        .withAttentionBias(cfg.attentionBias())
        .withDoubleSelfAttention(cfg.doubleSelfAttention())
        .withNorm(BasicTransformerBlock.NormType.LAYER_NORM, cfg.normElementwiseAffine(), 1e-5);
    List<BasicTransformerBlock> blocks = new ArrayList<>();
    for (int i = 0; i < cfg.numLayers(); i++) {
      blocks.add(new BasicTransformerBlock(w.at("transformer_blocks").at(i), block));
    }
    this.transformerBlocks = List.copyOf(blocks);
    this.projOut = Linear.load(w.at("proj_out"), inner, cfg.inChannels());
  }

  public Config config() {
    return cfg;
  }

  /**
   * @param hidden {@code [B*F, C, H, W]}, frames of one video consecutive
   * @param encoderHiddenStates {@code [B*H*W, S, D]} for the blocks' {@code attn2}, or null (UNet3D passes none)
   * @param numFrames F
   * @return {@code [B*F, C, H, W]}
   */
  public NDArray forward(NDArray hidden, NDArray encoderHiddenStates, int numFrames) {
    return Scopes.keep(() -> {
      // 1. Input
      Shape s = hidden.getShape();
      long batchFrames = s.get(0);
      long channel = s.get(1);
      long height = s.get(2);
      long width = s.get(3);
      long batchSize = batchFrames / numFrames;
      NDArray h = hidden.reshape(batchSize, numFrames, channel, height, width) // (B, F, C, H, W)
          .transpose(0, 2, 1, 3, 4); // (B, C, F, H, W)
      h = norm.forward(h);
      h = h.transpose(0, 3, 4, 2, 1).reshape(batchSize * height * width, numFrames, channel); // (B*H*W, F, C)
      h = projIn.forward(h); // (B*H*W, F, inner)
      // 2. Blocks
      for (BasicTransformerBlock block : transformerBlocks) {
        h = block.forward(h, encoderHiddenStates);
      }
      // 3. Output
      h = projOut.forward(h); // (B*H*W, F, C)
      h = h.reshape(batchSize, height, width, numFrames, channel) // (B, H, W, F, C)
          .transpose(0, 3, 4, 1, 2); // (B, F, C, H, W), a view
      // output = hidden_states + residual, added in the residual's (contiguous) layout so that the permuted view
      // is read once and the result reshapes to (B*F, C, H, W) without another copy
      return hidden.reshape(batchSize, numFrames, channel, height, width).add(h).reshape(s);
    });
  }

  /** Self-attention only, as {@code UNet3DConditionModel} calls it. */
  public NDArray forward(NDArray hidden, int numFrames) {
    return forward(hidden, null, numFrames);
  }
}
