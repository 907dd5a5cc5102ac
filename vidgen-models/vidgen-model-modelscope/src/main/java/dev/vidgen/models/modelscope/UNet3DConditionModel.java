package dev.vidgen.models.modelscope;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Conv;
import dev.vidgen.nn.GroupNorm;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.ResnetBlock2D;
import dev.vidgen.nn.Scopes;
import dev.vidgen.nn.TimestepEmbedding;
import dev.vidgen.nn.Timesteps;
import dev.vidgen.spi.Denoiser;
import dev.vidgen.weights.ComponentWeights;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.WeightSource;
import dev.vidgen.weights.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/unets/unet_3d_condition.py} ({@code UNet3DConditionModel}): the denoiser
 * of ModelScope / ZeroScope text-to-video. A 2-D UNet run on every frame ({@code [B*F, C, h, w]}), whose blocks
 * interleave temporal convolutions and temporal attention that mix the frames of each video. Built entirely from
 * {@link UNet3DConfig}; weights by their diffusers names.
 *
 * <p>Not ported (the text-to-video pipelines never pass them): {@code class_labels}, {@code timestep_cond}, {@code
 * attention_mask} (unused by diffusers' own blocks), {@code down_block_additional_residuals}, {@code
 * mid_block_additional_residual}, FreeU. Safe to use from one thread at a time.
 */
public final class UNet3DConditionModel implements Denoiser<UNet3DConditionModel.Input> {
  /** The diffusers class name, for messages. */
  public static final String CLASS_NAME = "UNet3DConditionModel";

  /**
   * The keyword arguments {@code get_down_block} / {@code get_up_block} / the mid block receive from {@code
   * UNet3DConditionModel}, named as in diffusers.
   *
   * @param numLayers resnets per block ({@code layers_per_block}, +1 on the up path; attention layers of the mid
   *     block)
   * @param inChannels block input width (up blocks: the skip width of the last resnet)
   * @param outChannels block output width
   * @param prevOutputChannel up blocks: width of the incoming hidden states (0 for down and mid blocks)
   * @param tembChannels time-embedding width
   * @param addSample add a down-sampler (down blocks) or up-sampler (up blocks)
   * @param resnetEps {@code norm_eps}
   * @param resnetGroups {@code norm_num_groups}
   * @param numAttentionHeads diffusers' {@code num_attention_heads} argument, which is the config's {@code
   *     attention_head_dim} and which the blocks use as the head <em>dimension</em> of {@code C // it} heads
   * @param crossAttentionDim {@code cross_attention_dim}
   * @param downsamplePadding {@code downsample_padding}
   * @param outputScaleFactor the resnets' {@code output_scale_factor}
   * @param useLinearProjection Transformer2DModel {@code proj_in}/{@code proj_out} are Linear (diffusers: always
   *     true for UNet3D)
   */
  public record BlockArgs(int numLayers, int inChannels, int outChannels, int prevOutputChannel, int tembChannels,
      boolean addSample, double resnetEps, int resnetGroups, int numAttentionHeads, int crossAttentionDim,
      int downsamplePadding, double outputScaleFactor, boolean useLinearProjection) {

    /** A resnet of the block: SiLU, time-embedding added ({@code resnet_time_scale_shift="default"}). */
    ResnetBlock2D.Config resnet(int in, int out) {
      return new ResnetBlock2D.Config(in, out, tembChannels, resnetGroups, null, resnetEps, false, outputScaleFactor,
          null);
    }
  }

  /** A down block: returns {@code (hidden_states, *output_states)} as one list. */
  interface DownBlock {
    /**
     * @return element 0: the hidden states passed on; elements 1..: the skip connections this block adds (the
     *     last one is element 0 again unless the block has no layers and no down-sampler)
     */
    NDList forward(NDArray hidden, NDArray temb, NDArray encoderHiddenStates, int numFrames);
  }

  /** An up block: consumes {@link #numResnets()} skip connections. */
  interface UpBlock {
    int numResnets();

    /**
     * @param resHiddenStates this block's skip connections, oldest first (the last is used first)
     * @param upsampleSize {@code {h, w}} to up-sample to, or null for 2×
     */
    NDArray forward(NDArray hidden, List<NDArray> resHiddenStates, NDArray temb, NDArray encoderHiddenStates,
        long[] upsampleSize, int numFrames);
  }

  private final UNet3DConfig config;
  private final DataType dtype;
  private final Conv convIn;
  private final Timesteps timeProj;
  private final TimestepEmbedding timeEmbedding;
  private final TransformerTemporalModel transformerIn;
  private final List<DownBlock> downBlocks;
  private final UNetMidBlock3DCrossAttn midBlock;
  private final List<UpBlock> upBlocks;
  private final GroupNorm convNormOut;
  private final Conv convOut;

  /**
   * Loads a diffusers {@code unet/} folder: {@code config.json} and {@code diffusion_pytorch_model.safetensors} (or
   * its sharded index). Loading is strict: a missing, mis-shaped or unused tensor is an error.
   *
   * @param manager the weights are created in a sub-manager of it (closed with it)
   * @param dtype floating-point type of the weights and of the computation
   */
  public static UNet3DConditionModel load(Path unetDir, NDManager manager, DataType dtype) {
    return load(unetDir, manager, dtype, null);
  }

  /** As {@link #load(Path, NDManager, DataType)}, from the weight files of a variant (e.g. {@code fp16}: {@code *.fp16.safetensors}), or the plain files when {@code variant} is null. */
  public static UNet3DConditionModel load(Path unetDir, NDManager manager, DataType dtype, String variant) {
    UNet3DConfig config = UNet3DConfig.parse(JsonConfig.read(unetDir.resolve("config.json")));
    NDManager weights = manager.newSubManager();
    try (WeightSource source = ComponentWeights.open(unetDir, variant, "diffusion_pytorch_model")) {
      WeightLoader loader = new WeightLoader(source, weights, dtype);
      UNet3DConditionModel model = new UNet3DConditionModel(config, loader.root());
      loader.finish(CLASS_NAME, List.of());
      // the weights outlive any NDScope the caller may have open while loading
      NDScope.unregister(weights.getManagedArrays().toArray(new NDArray[0]));
      return model;
    } catch (RuntimeException e) {
      weights.close();
      throw e;
    }
  }

  /**
   * Builds the model from its config, taking every tensor from {@code w} (no arithmetic, so that it can be built on
   * {@code ManifestWeights}).
   */
  public UNet3DConditionModel(UNet3DConfig config, Weights w) {
    this.config = config;
    this.dtype = w.dtype();
    List<Integer> blockOutChannels = config.blockOutChannels();
    int c0 = blockOutChannels.get(0);
    int nBlocks = blockOutChannels.size();
    int timeEmbedDim = config.timeEmbedDim();
    int heads = config.attentionHeadDim(); // num_attention_heads = num_attention_heads or attention_head_dim
    int groups = config.normNumGroups();
    double eps = config.normEps();
    Weights ch = w.because("block_out_channels=" + blockOutChannels + ", attention_head_dim="
        + config.attentionHeadDim() + ", layers_per_block=" + config.layersPerBlock() + ", cross_attention_dim="
        + config.crossAttentionDim() + " in unet/config.json");

    this.convIn = Conv.load(ch.at("conv_in"), 2, config.inChannels(), c0, 3, 1, 1, true);
    this.timeProj = new Timesteps(c0, true, 0);
    this.timeEmbedding = new TimestepEmbedding(ch.at("time_embedding"), c0, timeEmbedDim, timeEmbedDim,
        config.timeCondProjDim());
    this.transformerIn = new TransformerTemporalModel(ch.at("transformer_in"),
        TransformerTemporalModel.Config.of(8, config.attentionHeadDim(), c0, 1, groups, null));

    List<DownBlock> down = new ArrayList<>();
    int outputChannel = c0;
    for (int i = 0; i < nBlocks; i++) {
      int inputChannel = outputChannel;
      outputChannel = blockOutChannels.get(i);
      boolean isFinalBlock = i == nBlocks - 1;
      BlockArgs a = new BlockArgs(config.layersPerBlock(), inputChannel, outputChannel, 0, timeEmbedDim,
          !isFinalBlock, eps, groups, heads, config.crossAttentionDim(), config.downsamplePadding(), 1.0, true);
      Weights bw = ch.at("down_blocks").at(i);
      down.add(switch (config.downBlockTypes().get(i)) {
        case CROSS_ATTN_DOWN_BLOCK_3D -> new CrossAttnDownBlock3D(bw, a);
        case DOWN_BLOCK_3D -> new DownBlock3D(bw, a);
      });
    }
    this.downBlocks = List.copyOf(down);

    int last = blockOutChannels.get(nBlocks - 1);
    this.midBlock = new UNetMidBlock3DCrossAttn(ch.at("mid_block"), new BlockArgs(1, last, last, 0, timeEmbedDim,
        false, eps, groups, heads, config.crossAttentionDim(), 0, config.midBlockScaleFactor(), true));

    List<UpBlock> up = new ArrayList<>();
    outputChannel = last;
    for (int i = 0; i < nBlocks; i++) {
      boolean isFinalBlock = i == nBlocks - 1;
      int prevOutputChannel = outputChannel;
      outputChannel = blockOutChannels.get(nBlocks - 1 - i);
      int inputChannel = blockOutChannels.get(Math.max(nBlocks - 2 - i, 0)); // reversed[min(i + 1, n - 1)]
      BlockArgs a = new BlockArgs(config.layersPerBlock() + 1, inputChannel, outputChannel, prevOutputChannel,
          timeEmbedDim, !isFinalBlock, eps, groups, heads, config.crossAttentionDim(), 0, 1.0, true);
      Weights bw = ch.at("up_blocks").at(i);
      up.add(switch (config.upBlockTypes().get(i)) {
        case UP_BLOCK_3D -> new UpBlock3D(bw, a);
        case CROSS_ATTN_UP_BLOCK_3D -> new CrossAttnUpBlock3D(bw, a);
      });
    }
    this.upBlocks = List.copyOf(up);

    this.convNormOut = GroupNorm.load(ch.at("conv_norm_out"), groups, c0, eps);
    this.convOut = Conv.load(ch.at("conv_out"), 2, c0, config.outChannels(), 3, 1, 1, true);
  }

  public UNet3DConfig config() {
    return config;
  }

  /**
   * One denoiser call.
   *
   * @param sample noisy latents {@code [B, C, F, h, w]}
   * @param timestep {@code [B]}, {@code [1]} or a scalar (broadcast over the batch); float32 or int64
   * @param encoderHiddenStates text embeddings {@code [B, S, cross_attention_dim]}
   * @return the prediction {@code [B, out_channels, F, h, w]} (a fresh array, in the enclosing {@link NDScope} if
   *     any)
   */
  public NDArray forward(NDArray sample, NDArray timestep, NDArray encoderHiddenStates) {
    Shape ss = sample.getShape();
    checkInputs(ss, timestep.getShape(), encoderHiddenStates.getShape());
    return Scopes.keep(() -> {
      long batch = ss.get(0);
      int numFrames = Math.toIntExact(ss.get(2));
      long height = ss.get(3);
      long width = ss.get(4);
      // samples must be a multiple of 2^num_upsamplers unless the up-sampling size is forwarded
      long defaultOverallUpFactor = 1L << config.numUpsamplers();
      boolean forwardUpsampleSize = height % defaultOverallUpFactor != 0 || width % defaultOverallUpFactor != 0;

      // 1. time
      NDArray timesteps = timestep.getShape().dimension() == 0 ? timestep.reshape(1) : timestep;
      if (timesteps.size() != batch) {
        timesteps = timesteps.broadcast(new Shape(batch)); // expand to the batch dimension
      }
      NDArray tEmb = timeProj.forward(timesteps).toType(dtype, false); // (B, c0) float32 -> model dtype
      NDArray emb = timeEmbedding.forward(tEmb); // (B, temb)
      emb = emb.repeat(0, numFrames); // repeat_interleave: (B*F, temb)
      NDArray encoder = encoderHiddenStates.toType(dtype, false).repeat(0, numFrames); // (B*F, S, D)

      // 2. pre-process
      NDArray h = sample.toType(dtype, false)
          .transpose(0, 2, 1, 3, 4) // (B, F, C, h, w)
          .reshape(batch * numFrames, ss.get(1), height, width); // (B*F, C, h, w)
      h = convIn.forward(h);
      h = transformerIn.forward(h, numFrames);

      // 3. down
      List<NDArray> downBlockResSamples = new ArrayList<>();
      downBlockResSamples.add(h);
      for (DownBlock block : downBlocks) {
        NDList out = block.forward(h, emb, encoder, numFrames);
        h = out.get(0);
        downBlockResSamples.addAll(out.subList(1, out.size()));
      }

      // 4. mid
      h = midBlock.forward(h, emb, encoder, numFrames);

      // 5. up
      long[] upsampleSize = null;
      for (int i = 0; i < upBlocks.size(); i++) {
        UpBlock block = upBlocks.get(i);
        boolean isFinalBlock = i == upBlocks.size() - 1;
        int n = block.numResnets();
        List<NDArray> tail = downBlockResSamples.subList(downBlockResSamples.size() - n, downBlockResSamples.size());
        List<NDArray> resSamples = new ArrayList<>(tail);
        tail.clear();
        if (!isFinalBlock && forwardUpsampleSize) {
          Shape next = downBlockResSamples.get(downBlockResSamples.size() - 1).getShape();
          upsampleSize = new long[] {next.get(2), next.get(3)};
        }
        h = block.forward(h, resSamples, emb, encoder, upsampleSize, numFrames);
      }

      // 6. post-process
      h = Ops.silu(convNormOut.forward(h));
      h = convOut.forward(h); // (B*F, C_out, h, w)
      return h.reshape(batch, numFrames, config.outChannels(), height, width) // (B, F, C_out, h, w)
          .transpose(0, 2, 1, 3, 4); // (B, C_out, F, h, w)
    });
  }

  private void checkInputs(Shape sample, Shape timestep, Shape encoder) {
    if (sample.dimension() != 5 || sample.get(1) != config.inChannels()) {
      throw new IllegalArgumentException("sample must be [batch, " + config.inChannels()
          + " (in_channels), frames, height, width], got " + sample);
    }
    long batch = sample.get(0);
    long t = timestep.dimension() == 0 ? 1 : timestep.size();
    if (timestep.dimension() > 1 || (t != 1 && t != batch)) {
      throw new IllegalArgumentException("timestep must be a scalar, [1] or [" + batch + "] (the sample's batch), got "
          + timestep);
    }
    if (encoder.dimension() != 3 || encoder.get(0) != batch || encoder.get(2) != config.crossAttentionDim()) {
      throw new IllegalArgumentException("encoderHiddenStates must be [" + batch + " (the sample's batch), sequence, "
          + config.crossAttentionDim() + " (cross_attention_dim)], got " + encoder);
    }
  }

  /**
   * The inputs of one call, named as in diffusers' {@code forward}.
   *
   * @param sample noisy latents {@code [B, C, F, h, w]}
   * @param timestep {@code [B]} or {@code [1]} (float32 or int64)
   * @param encoderHiddenStates prompt embeddings {@code [B, S, cross_attention_dim]}
   */
  public record Input(NDArray sample, NDArray timestep, NDArray encoderHiddenStates) {}

  @Override
  public NDArray predict(Input input) {
    return forward(input.sample(), input.timestep(), input.encoderHiddenStates());
  }
}
