package dev.vidgen.models.svd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Conv;
import dev.vidgen.nn.GroupNorm;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.nn.TimestepEmbedding;
import dev.vidgen.nn.Timesteps;
import dev.vidgen.spi.Denoiser;
import dev.vidgen.weights.ComponentWeights;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.WeightSource;
import dev.vidgen.weights.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_spatio_temporal_condition.py} ({@code
 * UNetSpatioTemporalConditionModel}): the Stable Video Diffusion denoiser. A 2-D UNet over every frame whose
 * resnets and transformers also mix information across frames, conditioned on a timestep, the CLIP image
 * embedding (cross-attention) and three "added time ids" (fps − 1, motion bucket id, noise augmentation strength).
 *
 * <p>Not thread-safe to construct; {@link #forward} is pure and may be called from one thread at a time.
 */
public final class UNetSpatioTemporalConditionModel implements Denoiser<UNetSpatioTemporalConditionModel.Input> {
  /**
   * The inputs of one call, named as in diffusers' {@code forward}.
   *
   * @param sample {@code [B, F, in_channels, h, w]}: scaled noisy latents concatenated with the image latents
   * @param timestep {@code [1]}, {@code [B]} or a scalar: the continuous timestep
   * @param encoderHiddenStates {@code [B, S, cross_attention_dim]}: the image embedding
   * @param addedTimeIds {@code [B, 3]}: fps − 1, motion bucket id, noise augmentation strength
   */
  public record Input(NDArray sample, NDArray timestep, NDArray encoderHiddenStates, NDArray addedTimeIds) {}

  private final UNetSpatioTemporalConditionConfig config;
  private final Conv convIn;
  private final Timesteps timeProj;
  private final TimestepEmbedding timeEmbedding;
  private final Timesteps addTimeProj;
  private final TimestepEmbedding addEmbedding;
  private final List<SpatioTemporalDownBlock> downBlocks = new ArrayList<>();
  private final UNetMidBlockSpatioTemporal midBlock;
  private final List<SpatioTemporalUpBlock> upBlocks = new ArrayList<>();
  private final int numUpsamplers;
  private final GroupNorm convNormOut;
  private final Conv convOut;

  /** Takes the weights named by {@code config}; no arithmetic, so a {@code ManifestWeights} view is enough. */
  public UNetSpatioTemporalConditionModel(UNetSpatioTemporalConditionConfig config, Weights w) {
    this.config = config;
    int[] blockOutChannels = config.blockOutChannels();
    int[] numAttentionHeads = config.numAttentionHeads();
    int[] layersPerBlock = config.layersPerBlock();
    int[] crossAttentionDim = config.crossAttentionDim();
    int[] transformerLayersPerBlock = config.transformerLayersPerBlock();
    int n = blockOutChannels.length;

    this.convIn = Conv.load2d(w.at("conv_in").because("in_channels=" + config.inChannels()
        + ", block_out_channels[0]=" + blockOutChannels[0] + " in unet/config.json"), config.inChannels(),
        blockOutChannels[0], 3, 1, 1);
    int timeEmbedDim = config.timeEmbedDim();
    this.timeProj = new Timesteps(blockOutChannels[0], true, 0);
    this.timeEmbedding = new TimestepEmbedding(w.at("time_embedding"), blockOutChannels[0], timeEmbedDim);
    this.addTimeProj = new Timesteps(config.additionTimeEmbedDim(), true, 0);
    this.addEmbedding = new TimestepEmbedding(w.at("add_embedding").because("projection_class_embeddings_input_dim="
        + config.projectionClassEmbeddingsInputDim() + " in unet/config.json"),
        config.projectionClassEmbeddingsInputDim(), timeEmbedDim);
    int blocksTimeEmbedDim = timeEmbedDim;

    int outputChannel = blockOutChannels[0];
    for (int i = 0; i < n; i++) {
      int inputChannel = outputChannel;
      outputChannel = blockOutChannels[i];
      boolean isFinalBlock = i == n - 1;
      Weights bw = w.at("down_blocks").at(i);
      downBlocks.add(switch (config.downBlockTypes().get(i)) {
        case DOWN_BLOCK_SPATIO_TEMPORAL -> new DownBlockSpatioTemporal(bw, inputChannel, outputChannel,
            blocksTimeEmbedDim, layersPerBlock[i], !isFinalBlock);
        case CROSS_ATTN_DOWN_BLOCK_SPATIO_TEMPORAL -> new CrossAttnDownBlockSpatioTemporal(bw, inputChannel,
            outputChannel, blocksTimeEmbedDim, layersPerBlock[i], transformerLayersPerBlock[i],
            numAttentionHeads[i], crossAttentionDim[i], !isFinalBlock);
      });
    }

    this.midBlock = new UNetMidBlockSpatioTemporal(w.at("mid_block"), blockOutChannels[n - 1], blocksTimeEmbedDim,
        1, transformerLayersPerBlock[n - 1], numAttentionHeads[n - 1], crossAttentionDim[n - 1]);

    int upsamplers = 0;
    outputChannel = blockOutChannels[n - 1];
    for (int i = 0; i < n; i++) {
      boolean isFinalBlock = i == n - 1;
      int r = n - 1 - i; // index into the reversed per-block lists
      int prevOutputChannel = outputChannel;
      outputChannel = blockOutChannels[r];
      int inputChannel = blockOutChannels[Math.max(r - 1, 0)]; // reversed[min(i + 1, n - 1)]
      boolean addUpsample = !isFinalBlock;
      if (addUpsample) {
        upsamplers++;
      }
      Weights bw = w.at("up_blocks").at(i);
      int numLayers = layersPerBlock[r] + 1;
      upBlocks.add(switch (config.upBlockTypes().get(i)) {
        // get_up_block passes resnet_eps=1e-5 but the spatio-temporal branches drop it: the blocks' 1e-6 applies
        case UP_BLOCK_SPATIO_TEMPORAL -> new UpBlockSpatioTemporal(bw, inputChannel, prevOutputChannel,
            outputChannel, blocksTimeEmbedDim, numLayers, 1e-6, addUpsample);
        case CROSS_ATTN_UP_BLOCK_SPATIO_TEMPORAL -> new CrossAttnUpBlockSpatioTemporal(bw, inputChannel,
            outputChannel, prevOutputChannel, blocksTimeEmbedDim, numLayers, transformerLayersPerBlock[r], 1e-6,
            numAttentionHeads[r], crossAttentionDim[r], addUpsample);
      });
    }
    this.numUpsamplers = upsamplers;

    this.convNormOut = GroupNorm.load(w.at("conv_norm_out"), 32, blockOutChannels[0], 1e-5);
    this.convOut = Conv.load2d(w.at("conv_out"), blockOutChannels[0], config.outChannels(), 3, 1, 1);
  }

  /**
   * Loads {@code unet/config.json} and the weights of a diffusers {@code unet/} folder strictly: every tensor of
   * the file must be used.
   *
   * @param manager owns the weights (closing it frees them)
   * @param dtype floating-point precision of the weights and the computation
   */
  public static UNetSpatioTemporalConditionModel load(Path unetDir, NDManager manager, DataType dtype) {
    return load(unetDir, manager, dtype, null);
  }

  /** As {@link #load(Path, NDManager, DataType)}, from the weight files of a variant (e.g. {@code fp16}: {@code *.fp16.safetensors}), or the plain files when {@code variant} is null. */
  public static UNetSpatioTemporalConditionModel load(Path unetDir, NDManager manager, DataType dtype, String variant) {
    UNetSpatioTemporalConditionConfig config = UNetSpatioTemporalConditionConfig.read(unetDir.resolve("config.json"));
    try (WeightSource source = ComponentWeights.open(unetDir, variant, "diffusion_pytorch_model")) {
      WeightLoader loader = new WeightLoader(source, manager, dtype);
      UNetSpatioTemporalConditionModel model = new UNetSpatioTemporalConditionModel(config, loader.root());
      loader.finish("UNetSpatioTemporalConditionModel", List.of());
      return model;
    }
  }

  public UNetSpatioTemporalConditionConfig config() {
    return config;
  }

  @Override
  public NDArray predict(Input input) {
    return forward(input.sample(), input.timestep(), input.encoderHiddenStates(), input.addedTimeIds());
  }

  /**
   * One denoiser call.
   *
   * @param sample {@code [B, F, in_channels, h, w]}: scaled noisy latents concatenated with the image latents
   * @param timestep {@code [1]} or {@code [B]} (or a scalar): the continuous timestep {@code 0.25 * log(sigma)}
   * @param encoderHiddenStates {@code [B, S, cross_attention_dim]}: the image embedding
   * @param addedTimeIds {@code [B, 3]}: fps − 1, motion bucket id, noise augmentation strength
   * @return {@code [B, F, out_channels, h, w]}
   */
  public NDArray forward(NDArray sample, NDArray timestep, NDArray encoderHiddenStates, NDArray addedTimeIds) {
    Shape ss = sample.getShape();
    if (ss.dimension() != 5 || ss.get(2) != config.inChannels()) {
      throw new IllegalArgumentException("UNetSpatioTemporalConditionModel.forward: sample must be [batch, frames, "
          + config.inChannels() + " (in_channels), height, width], got " + ss);
    }
    long expectedIds = (long) config.projectionClassEmbeddingsInputDim() / config.additionTimeEmbedDim();
    if (addedTimeIds.getShape().dimension() != 2 || addedTimeIds.getShape().get(0) != ss.get(0)
        || addedTimeIds.getShape().get(1) * config.additionTimeEmbedDim()
            != config.projectionClassEmbeddingsInputDim()) {
      throw new IllegalArgumentException("UNetSpatioTemporalConditionModel.forward: added_time_ids must be [" + ss.get(0)
          + ", " + expectedIds + "] (projection_class_embeddings_input_dim / addition_time_embed_dim), got "
          + addedTimeIds.getShape());
    }
    return Scopes.keep(() -> {
      // upsample sizes are forwarded when h or w is not a multiple of 2^num_upsamplers
      long defaultOverallUpFactor = 1L << numUpsamplers;
      boolean forwardUpsampleSize = ss.get(3) % defaultOverallUpFactor != 0 || ss.get(4) % defaultOverallUpFactor != 0;

      // 1. time
      long batchSize = ss.get(0);
      int numFrames = Math.toIntExact(ss.get(1));
      NDArray timesteps = timestep.getShape().dimension() == 0 ? timestep.reshape(1) : timestep;
      timesteps = timesteps.broadcast(new Shape(batchSize)); // timesteps.expand(batch_size)
      NDArray tEmb = timeProj.forward(timesteps).toType(sample.getDataType(), false);
      NDArray emb = timeEmbedding.forward(tEmb);

      NDArray timeEmbeds = addTimeProj.forward(addedTimeIds.flatten()); // (B*3, addition_time_embed_dim)
      timeEmbeds = timeEmbeds.reshape(batchSize, -1).toType(emb.getDataType(), false); // (B, 3*dim)
      NDArray augEmb = addEmbedding.forward(timeEmbeds);
      emb = emb.add(augEmb);

      // 2. pre-process: flatten frames into the batch
      NDArray h = sample.reshape(batchSize * numFrames, ss.get(2), ss.get(3), ss.get(4)); // (B*F, C, h, w)
      emb = emb.repeat(0, numFrames); // repeat_interleave: (B*F, temb)
      NDArray ehs = encoderHiddenStates.repeat(0, numFrames); // (B*F, S, Cc)

      h = convIn.forward(h);

      NDArray imageOnlyIndicator = h.getManager().zeros(new Shape(batchSize, numFrames), h.getDataType());

      // 3. down
      List<NDArray> downBlockResSamples = new ArrayList<>();
      downBlockResSamples.add(h);
      for (SpatioTemporalDownBlock downBlock : downBlocks) {
        NDList resSamples = downBlock.forward(h, emb, ehs, imageOnlyIndicator);
        h = resSamples.get(resSamples.size() - 1);
        downBlockResSamples.addAll(resSamples);
      }

      // 4. mid
      h = midBlock.forward(h, emb, ehs, imageOnlyIndicator);

      // 5. up
      long[] upsampleSize = null;
      for (int i = 0; i < upBlocks.size(); i++) {
        SpatioTemporalUpBlock upBlock = upBlocks.get(i);
        boolean isFinalBlock = i == upBlocks.size() - 1;
        int take = upBlock.numResnets();
        int from = downBlockResSamples.size() - take;
        List<NDArray> resSamples = new ArrayList<>(downBlockResSamples.subList(from, downBlockResSamples.size()));
        downBlockResSamples = new ArrayList<>(downBlockResSamples.subList(0, from));
        if (!isFinalBlock && forwardUpsampleSize) {
          Shape last = downBlockResSamples.get(downBlockResSamples.size() - 1).getShape();
          upsampleSize = new long[] {last.get(2), last.get(3)};
        }
        h = upBlock.forward(h, resSamples, emb, ehs, imageOnlyIndicator, upsampleSize);
      }

      // 6. post-process
      h = convOut.forward(Ops.silu(convNormOut.forward(h)));
      Shape os = h.getShape();
      return h.reshape(batchSize, numFrames, os.get(1), os.get(2), os.get(3)); // (B, F, C, h, w)
    });
  }
}
