package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.BasicTransformerBlock;
import dev.vidgen.nn.GroupNorm;
import dev.vidgen.nn.Linear;
import dev.vidgen.nn.Scopes;
import dev.vidgen.nn.TimestepEmbedding;
import dev.vidgen.nn.Timesteps;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/transformers/transformer_temporal.py} ({@code
 * TransformerSpatioTemporalModel}): group norm and linear {@code proj_in}, then per layer a spatial {@code
 * BasicTransformerBlock} over each frame's positions and a {@link TemporalBasicTransformerBlock} over each
 * position's frames (with a learned sinusoidal frame-index embedding {@code time_pos_embed} added first), mixed by
 * an {@link AlphaBlender}; linear {@code proj_out} and a residual connection.
 */
public final class TransformerSpatioTemporalModel {
  private final GroupNorm norm;
  private final Linear projIn;
  private final List<BasicTransformerBlock> transformerBlocks = new ArrayList<>();
  private final List<TemporalBasicTransformerBlock> temporalTransformerBlocks = new ArrayList<>();
  private final TimestepEmbedding timePosEmbed;
  private final Timesteps timeProj;
  private final AlphaBlender timeMixer;
  private final Linear projOut;

  /**
   * @param numAttentionHeads heads
   * @param attentionHeadDim channels per head
   * @param inChannels input (and output) channels
   * @param numLayers transformer layers
   * @param crossAttentionDim width of the image embedding
   */
  public TransformerSpatioTemporalModel(Weights w, int numAttentionHeads, int attentionHeadDim, int inChannels,
      int numLayers, int crossAttentionDim) {
    int innerDim = numAttentionHeads * attentionHeadDim;
    this.norm = GroupNorm.load(w.at("norm"), 32, inChannels, 1e-6);
    this.projIn = Linear.load(w.at("proj_in"), inChannels, innerDim);
    for (int d = 0; d < numLayers; d++) {
      // BasicTransformerBlock(inner_dim, num_attention_heads, attention_head_dim, cross_attention_dim): defaults
      transformerBlocks.add(new BasicTransformerBlock(w.at("transformer_blocks").at(d),
          BasicTransformerBlock.Config.of(innerDim, numAttentionHeads, attentionHeadDim, crossAttentionDim)));
    }
    int timeMixInnerDim = innerDim;
    for (int d = 0; d < numLayers; d++) {
      temporalTransformerBlocks.add(new TemporalBasicTransformerBlock(w.at("temporal_transformer_blocks").at(d),
          innerDim, timeMixInnerDim, numAttentionHeads, attentionHeadDim, crossAttentionDim));
    }
    int timeEmbedDim = inChannels * 4;
    this.timePosEmbed = new TimestepEmbedding(w.at("time_pos_embed"), inChannels, timeEmbedDim, inChannels);
    this.timeProj = new Timesteps(inChannels, true, 0);
    this.timeMixer = new AlphaBlender(w.at("time_mixer"), AlphaBlender.MergeStrategy.LEARNED_WITH_IMAGES, false);
    this.projOut = Linear.load(w.at("proj_out"), innerDim, inChannels);
  }

  /**
   * @param hiddenStates {@code [B*F, C, H, W]}
   * @param encoderHiddenStates {@code [B*F, S, cross_attention_dim]}
   * @param imageOnlyIndicator {@code [B, F]}
   * @return {@code [B*F, C, H, W]}
   */
  public NDArray forward(NDArray hiddenStates, NDArray encoderHiddenStates, NDArray imageOnlyIndicator) {
    return Scopes.keep(() -> {
      // 1. Input
      Shape s = hiddenStates.getShape();
      long batchFrames = s.get(0);
      long height = s.get(2);
      long width = s.get(3);
      int numFrames = Math.toIntExact(imageOnlyIndicator.getShape().get(imageOnlyIndicator.getShape().dimension()
          - 1));
      long batchSize = batchFrames / numFrames;

      Shape es = encoderHiddenStates.getShape();
      long seq = es.get(es.dimension() - 2);
      long ctx = es.get(es.dimension() - 1);
      // time_context: the first frame's conditioning of each batch entry, one copy per spatial position
      NDArray timeContextFirstTimestep = encoderHiddenStates.reshape(batchSize, numFrames, seq, ctx)
          .get(":, 0"); // (B, S, Cc)
      NDArray timeContext = timeContextFirstTimestep.expandDims(1)
          .broadcast(new Shape(batchSize, height * width, seq, ctx)) // (B, H*W, S, Cc)
          .reshape(batchSize * height * width, seq, ctx); // (B*H*W, S, Cc)

      NDArray residual = hiddenStates;
      NDArray h = norm.forward(hiddenStates);
      long innerDim = h.getShape().get(1);
      h = h.transpose(0, 2, 3, 1).reshape(batchFrames, height * width, innerDim); // (B*F, H*W, C)
      h = projIn.forward(h);

      // frame indices 0..F-1 for every batch entry: arange(F).repeat(B, 1).reshape(-1)
      NDArray numFramesEmb = h.getManager().arange(0, numFrames, 1, DataType.INT64).reshape(1, numFrames)
          .repeat(0, batchSize).reshape(-1); // (B*F)
      NDArray tEmb = timeProj.forward(numFramesEmb).toType(h.getDataType(), false);
      NDArray emb = timePosEmbed.forward(tEmb).expandDims(1); // (B*F, 1, C)

      // 2. Blocks
      for (int i = 0; i < transformerBlocks.size(); i++) {
        h = transformerBlocks.get(i).forward(h, encoderHiddenStates);
        NDArray hiddenStatesMix = h.add(emb);
        hiddenStatesMix = temporalTransformerBlocks.get(i).forward(hiddenStatesMix, numFrames, timeContext);
        h = timeMixer.forward(h, hiddenStatesMix, imageOnlyIndicator);
      }

      // 3. Output
      h = projOut.forward(h);
      h = h.reshape(batchFrames, height, width, innerDim).transpose(0, 3, 1, 2); // (B*F, C, H, W)
      return h.add(residual);
    });
  }
}
