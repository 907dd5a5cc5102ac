package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.common.base.Preconditions;
import dev.vidgen.nn.LayerNorm;
import dev.vidgen.nn.Linear;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.ComponentWeights;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.WeightSource;
import dev.vidgen.weights.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/transformers/transformer_ltx.py} ({@code LTXVideoTransformer3DModel}):
 * the LTX-Video DiT over packed latent tokens. {@code proj_in} lifts the tokens to the inner dim, {@code
 * time_embed} (adaLN-single) embeds the timestep, {@code caption_projection} maps T5 embeddings to the inner dim,
 * every {@code transformer_blocks.{i}} attends with 3-D rotary positions, then {@code norm_out} (LayerNorm without
 * affine) modulated by {@code scale_shift_table} and {@code proj_out}.
 */
public final class LTXVideoTransformer3DModel
    implements dev.vidgen.spi.Denoiser<LTXVideoTransformer3DModel.Input> {
  /**
   * One call's inputs (diffusers' keyword arguments of {@code forward}).
   *
   * @param hiddenStates packed latents {@code [B, F*H*W, in_channels]}
   * @param encoderHiddenStates T5 embeddings {@code [B, S, caption_channels]}
   * @param timestep {@code [B]} timesteps (float, 0..1000), or per token {@code [B, F*H*W]} (image-to-video: 0 on the
   *     conditioning frame's tokens)
   * @param encoderAttentionMask {@code [B, S]} 1/0 (any numeric type), or null to attend to every caption token
   * @param numFrames latent frames
   * @param height latent rows
   * @param width latent columns
   * @param ropeInterpolationScale (1 / latent frame rate, spatial ratio, spatial ratio), or null
   */
  public record Input(NDArray hiddenStates, NDArray encoderHiddenStates, NDArray timestep,
      NDArray encoderAttentionMask, int numFrames, int height, int width, double[] ropeInterpolationScale) {
    public Input {
      Preconditions.checkArgument(hiddenStates.getShape().dimension() == 3,
          "hiddenStates must be packed [B, F*H*W, C], got %s", hiddenStates.getShape());
      Preconditions.checkArgument(hiddenStates.getShape().get(1) == (long) numFrames * height * width,
          "hiddenStates has %s tokens but numFrames*height*width = %s*%s*%s", hiddenStates.getShape().get(1),
          numFrames, height, width);
      Preconditions.checkArgument(ropeInterpolationScale == null || ropeInterpolationScale.length == 3,
          "ropeInterpolationScale must have 3 entries (frames, height, width)");
      ropeInterpolationScale = ropeInterpolationScale == null ? null : ropeInterpolationScale.clone();
    }
  }

  private final LTXVideoTransformer3DConfig config;
  private final Linear projIn;
  private final NDArray scaleShiftTable;
  private final AdaLayerNormSingle timeEmbed;
  private final PixArtAlphaTextProjection captionProjection;
  private final LTXVideoRotaryPosEmbed rope;
  private final List<LTXVideoTransformerBlock> transformerBlocks;
  private final LayerNorm normOut;
  private final Linear projOut;

  /** Takes the weights; no arithmetic. */
  public LTXVideoTransformer3DModel(LTXVideoTransformer3DConfig config, Weights w) {
    this.config = config;
    int inner = config.innerDim();
    Weights ww = w.because("num_attention_heads=" + config.numAttentionHeads() + " x attention_head_dim="
        + config.attentionHeadDim() + " = " + inner + ", in_channels=" + config.inChannels() + ", caption_channels="
        + config.captionChannels() + " in transformer/config.json");
    this.projIn = Linear.load(ww.at("proj_in"), config.inChannels(), inner);
    this.scaleShiftTable = ww.get("scale_shift_table", 2, inner);
    this.timeEmbed = new AdaLayerNormSingle(ww.at("time_embed"), inner);
    this.captionProjection = new PixArtAlphaTextProjection(ww.at("caption_projection"), config.captionChannels(),
        inner);
    this.rope = LTXVideoRotaryPosEmbed.forTransformer(inner, config.patchSize(), config.patchSizeT());
    List<LTXVideoTransformerBlock> blocks = new ArrayList<>();
    for (int i = 0; i < config.numLayers(); i++) {
      blocks.add(new LTXVideoTransformerBlock(ww.at("transformer_blocks").at(i), config));
    }
    this.transformerBlocks = List.copyOf(blocks);
    this.normOut = new LayerNorm(null, null, 1e-6);
    this.projOut = Linear.load(ww.at("proj_out"), inner, config.outChannels());
  }

  /** Loads {@code transformer/} (config.json and the weights, single file or shards) strictly. */
  public static LTXVideoTransformer3DModel load(Path dir, NDManager manager, DataType dtype) {
    return load(dir, manager, dtype, null);
  }

  /** As {@link #load(Path, NDManager, DataType)}, from the weight files of a variant (e.g. {@code fp16}: {@code *.fp16.safetensors}), or the plain files when {@code variant} is null. */
  public static LTXVideoTransformer3DModel load(Path dir, NDManager manager, DataType dtype, String variant) {
    LTXVideoTransformer3DConfig cfg = LTXVideoTransformer3DConfig.parse(JsonConfig.read(dir.resolve("config.json")));
    try (WeightSource src = ComponentWeights.open(dir, variant, "diffusion_pytorch_model")) {
      return load(cfg, src, manager, dtype);
    }
  }

  /**
   * Loads strictly from any source of diffusers-named tensors, e.g. the transformer part of a single-file
   * checkpoint ({@link dev.vidgen.weights.RenamedWeights}). The source stays open; its opener closes it.
   */
  public static LTXVideoTransformer3DModel load(LTXVideoTransformer3DConfig cfg, WeightSource src,
      NDManager manager, DataType dtype) {
    WeightLoader loader = new WeightLoader(src, manager, dtype);
    LTXVideoTransformer3DModel m = new LTXVideoTransformer3DModel(cfg, loader.root());
    loader.finish("LTXVideoTransformer3DModel", List.of());
    return m;
  }

  public LTXVideoTransformer3DConfig config() {
    return config;
  }

  /** {@link dev.vidgen.spi.Denoiser}: {@link #forward}. */
  @Override
  public NDArray predict(Input input) {
    return forward(input);
  }

  /** @return the velocity prediction {@code [B, F*H*W, out_channels]} */
  public NDArray forward(Input in) {
    return Scopes.keep(() -> {
      NDArray hiddenStates = in.hiddenStates();
      long batchSize = hiddenStates.getShape().get(0);
      int inner = config.innerDim();
      DataType dtype = hiddenStates.getDataType();
      LTXVideoRotaryPosEmbed.Freqs imageRotaryEmb = rope.forward(hiddenStates.getManager(), batchSize,
          in.numFrames(), in.height(), in.width(), in.ropeInterpolationScale());

      // The 0/1 caption mask becomes an additive bias: (1 - mask) * -10000, broadcast over heads and queries.
      NDArray encoderAttentionMask = null;
      if (in.encoderAttentionMask() != null) {
        NDArray m = in.encoderAttentionMask().toType(dtype, false);
        encoderAttentionMask = m.neg().add(1f).mul(-10000.0f).reshape(batchSize, 1, 1, -1); // (B, 1, 1, S)
      }

      NDArray h = projIn.forward(hiddenStates); // (B, L, inner)
      NDList t = timeEmbed.forward(in.timestep().reshape(-1), dtype);
      NDArray temb = t.get(0).reshape(batchSize, -1, 6L * inner); // (B, 1, 6*inner)
      NDArray embeddedTimestep = t.get(1).reshape(batchSize, -1, inner); // (B, 1, inner)

      NDArray encoderHiddenStates = captionProjection.forward(in.encoderHiddenStates())
          .reshape(batchSize, -1, inner); // (B, S, inner)

      for (LTXVideoTransformerBlock block : transformerBlocks) {
        h = block.forward(h, encoderHiddenStates, temb, imageRotaryEmb, encoderAttentionMask);
      }

      // scale_shift_table[None, None] + embedded_timestep[:, :, None]: (B, 1, 2, inner)
      NDArray scaleShiftValues = scaleShiftTable.reshape(1, 1, 2, inner).add(embeddedTimestep.expandDims(2));
      NDArray shift = scaleShiftValues.get(":, :, 0");
      NDArray scale = scaleShiftValues.get(":, :, 1");
      h = normOut.forward(h);
      h = h.mul(scale.add(1f)).add(shift);
      return projOut.forward(h);
    });
  }
}
