package dev.vidgen.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.LayerNorm;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.ComponentWeights;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.WeightSource;
import dev.vidgen.weights.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of transformers v4.44 {@code models/clip/modeling_clip.py} ({@code CLIPTextModel} with its {@code
 * CLIPTextTransformer}, {@code CLIPTextEmbeddings} and {@code CLIPEncoder}): token plus position embeddings, pre-LN
 * encoder layers under a causal mask, a final layer norm. {@link #forward} returns {@code last_hidden_state}, which
 * is what diffusers' pipelines use as prompt embeddings.
 *
 * <p>Weights under {@code text_model.}: {@code embeddings.token_embedding.weight}, {@code
 * embeddings.position_embedding.weight}, {@code encoder.layers.<i>.*}, {@code final_layer_norm.*}. The
 * {@code embeddings.position_ids} buffer (non-persistent since transformers 4.31, but written by older
 * conversions) is {@code arange(max_position_embeddings)} and is ignored when present.
 */
public final class CLIPTextModel implements dev.vidgen.spi.TextEncoder {
  /** Keys a checkpoint may hold that this model knowingly skips. */
  public static final List<String> KEYS_TO_IGNORE_ON_LOAD = List.of("text_model\\.embeddings\\.position_ids");

  private final CLIPTextConfig config;
  private final NDArray tokenEmbedding;
  private final NDArray positionEmbedding;
  private final List<CLIPEncoderLayer> layers;
  private final LayerNorm finalLayerNorm;

  /** Takes the weights under {@code w} (the component root); no arithmetic. */
  public CLIPTextModel(CLIPTextConfig config, Weights w) {
    this.config = config;
    Weights textModel = w.at("text_model");
    Weights embeddings = textModel.at("embeddings");
    this.tokenEmbedding = embeddings.because("vocab_size=" + config.vocabSize() + ", hidden_size="
        + config.hiddenSize() + " in text_encoder/config.json").get("token_embedding.weight", config.vocabSize(),
        config.hiddenSize());
    this.positionEmbedding = embeddings.because("max_position_embeddings=" + config.maxPositionEmbeddings()
        + " in text_encoder/config.json").get("position_embedding.weight", config.maxPositionEmbeddings(),
        config.hiddenSize());
    Weights encoderLayers = textModel.at("encoder").at("layers").because("hidden_size=" + config.hiddenSize()
        + ", intermediate_size=" + config.intermediateSize() + " in text_encoder/config.json");
    List<CLIPEncoderLayer> ls = new ArrayList<>();
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      ls.add(new CLIPEncoderLayer(encoderLayers.at(i), config.hiddenSize(), config.numAttentionHeads(),
          config.intermediateSize(), config.hiddenAct(), config.layerNormEps()));
    }
    this.layers = List.copyOf(ls);
    this.finalLayerNorm = LayerNorm.load(textModel.at("final_layer_norm"), config.hiddenSize(),
        config.layerNormEps());
  }

  /**
   * Loads a {@code text_encoder/} folder ({@code config.json} + {@code model.safetensors} or its shards), strictly:
   * every tensor must be used and have the shape the config implies.
   */
  public static CLIPTextModel load(Path textEncoderDir, NDManager manager, DataType dtype) {
    return load(textEncoderDir, manager, dtype, null);
  }

  /** As {@link #load(Path, NDManager, DataType)}, from the weight files of a variant (e.g. {@code fp16}: {@code *.fp16.safetensors}), or the plain files when {@code variant} is null. */
  public static CLIPTextModel load(Path textEncoderDir, NDManager manager, DataType dtype, String variant) {
    CLIPTextConfig config = CLIPTextConfig.read(textEncoderDir.resolve("config.json"));
    try (WeightSource source = ComponentWeights.open(textEncoderDir, variant, "model")) {
      WeightLoader loader = new WeightLoader(source, manager, dtype);
      CLIPTextModel model = new CLIPTextModel(config, loader.root());
      loader.finish("CLIPTextModel", KEYS_TO_IGNORE_ON_LOAD);
      return model;
    }
  }

  public CLIPTextConfig config() {
    return config;
  }

  /**
   * @param inputIds token ids {@code [B, L]} (int64 or int32), {@code L <= max_position_embeddings}
   * @return {@code last_hidden_state} {@code [B, L, hidden_size]}, in the manager of {@code inputIds}
   */
  public NDArray forward(NDArray inputIds) {
    Shape inputShape = inputIds.getShape();
    if (inputShape.dimension() != 2) {
      throw new IllegalArgumentException("CLIPTextModel.forward: input_ids must be [batch, length], got "
          + inputShape);
    }
    long batch = inputShape.get(0);
    long seqLength = inputShape.get(1);
    if (seqLength < 1 || seqLength > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("CLIPTextModel.forward: sequence length " + seqLength
          + " must be in [1, max_position_embeddings=" + config.maxPositionEmbeddings() + "]");
    }
    NDArray out = Scopes.keep(() -> {
      // CLIPTextEmbeddings: token_embedding(input_ids) + position_embedding(position_ids[:, :L])
      NDArray flatIds = inputIds.toType(DataType.INT64, false).reshape(batch * seqLength); // (B*L)
      NDArray inputsEmbeds = tokenEmbedding.get(flatIds).reshape(batch, seqLength, config.hiddenSize()); // (B, L, C)
      NDArray positionEmbeds = positionEmbedding.get(new NDIndex("0:{}", seqLength)); // (L, C)
      NDArray hiddenStates = inputsEmbeds.add(positionEmbeds); // (B, L, C)

      NDArray causalAttentionMask = causalMask(inputIds.getManager(), seqLength, hiddenStates.getDataType());
      for (CLIPEncoderLayer layer : layers) {
        hiddenStates = layer.forward(hiddenStates, causalAttentionMask);
      }
      return finalLayerNorm.forward(hiddenStates);
    });
    // the arithmetic started from the embedding table, whose manager is the model's: hand the result to the caller's
    out.attach(inputIds.getManager());
    return out;
  }

  /**
   * transformers' {@code _create_4d_causal_attention_mask}: {@code [1, 1, L, L]}, 0 on and below the diagonal and the
   * most negative finite value of the dtype above it.
   */
  static NDArray causalMask(NDManager manager, long length, DataType dtype) {
    int n = Math.toIntExact(length);
    float[] m = new float[n * n];
    float min = switch (dtype) {
      case FLOAT16 -> -65504f; // torch.finfo(float16).min
      case BFLOAT16 -> -3.3895313892515355e38f; // torch.finfo(bfloat16).min, exact in float32
      default -> -Float.MAX_VALUE; // torch.finfo(float32).min
    };
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        m[i * n + j] = min;
      }
    }
    NDArray mask = manager.create(m, new Shape(1, 1, length, length)); // (1, 1, L, L)
    return dtype == DataType.FLOAT32 ? mask : mask.toType(dtype, false);
  }

  /** {@link dev.vidgen.spi.TextEncoder}: CLIP attends causally and ignores the padding mask, as transformers does. */
  @Override
  public NDArray encode(NDArray inputIds, NDArray attentionMask) {
    return forward(inputIds);
  }
}
