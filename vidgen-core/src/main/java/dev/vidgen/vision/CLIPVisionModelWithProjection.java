package dev.vidgen.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Conv;
import dev.vidgen.nn.LayerNorm;
import dev.vidgen.nn.Linear;
import dev.vidgen.nn.Scopes;
import dev.vidgen.spi.ImageEncoder;
import dev.vidgen.text.CLIPEncoderLayer;
import dev.vidgen.weights.ComponentWeights;
import dev.vidgen.weights.WeightLoader;
import dev.vidgen.weights.WeightSource;
import dev.vidgen.weights.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of transformers v4.44 {@code models/clip/modeling_clip.py} ({@code CLIPVisionModelWithProjection} with
 * {@code CLIPVisionTransformer} and {@code CLIPVisionEmbeddings}): patch embedding conv (no bias), class token,
 * learned position embeddings, {@code pre_layrnorm} (sic, the checkpoint's name), the encoder layers, {@code
 * post_layernorm} on the class token, and the bias-free {@code visual_projection}. The encoder layers are the text
 * tower's {@link CLIPEncoderLayer}, without a mask. The image encoder of Stable
 * Video Diffusion (and of I2VGen-XL).
 */
public final class CLIPVisionModelWithProjection implements ImageEncoder {
  /** transformers writes {@code position_ids} into checkpoints made before v4.31; it is {@code arange} anyway. */
  public static final List<String> KEYS_TO_IGNORE = List.of("vision_model\\.embeddings\\.position_ids");

  private final CLIPVisionConfig config;
  private final NDArray classEmbedding;
  private final Conv patchEmbedding;
  private final NDArray positionEmbedding;
  private final LayerNorm preLayrnorm;
  private final List<CLIPEncoderLayer> layers = new ArrayList<>();
  private final LayerNorm postLayernorm;
  private final Linear visualProjection;

  /** Takes the weights named by {@code config}; no arithmetic, so a {@code ManifestWeights} view is enough. */
  public CLIPVisionModelWithProjection(CLIPVisionConfig config, Weights w) {
    this.config = config;
    int d = config.hiddenSize();
    Weights vm = w.at("vision_model");
    Weights emb = vm.at("embeddings");
    this.classEmbedding = emb.get("class_embedding", d);
    this.patchEmbedding = Conv.load(emb.at("patch_embedding"), 2, config.numChannels(), d, config.patchSize(),
        config.patchSize(), 0, false);
    this.positionEmbedding = emb.at("position_embedding").get("weight", config.numPositions(), d);
    this.preLayrnorm = LayerNorm.load(vm.at("pre_layrnorm"), d, config.layerNormEps());
    for (int i = 0; i < config.numHiddenLayers(); i++) {
      layers.add(new CLIPEncoderLayer(vm.at("encoder").at("layers").at(i), d, config.numAttentionHeads(),
          config.intermediateSize(), config.hiddenAct(), config.layerNormEps()));
    }
    this.postLayernorm = LayerNorm.load(vm.at("post_layernorm"), d, config.layerNormEps());
    this.visualProjection = Linear.load(w.at("visual_projection"), d, config.projectionDim(), false);
  }

  /** Loads {@code config.json} and {@code model.safetensors} of an {@code image_encoder/} folder, strictly. */
  public static CLIPVisionModelWithProjection load(Path dir, NDManager manager, DataType dtype) {
    return load(dir, manager, dtype, null);
  }

  /** As {@link #load(Path, NDManager, DataType)}, from the weight files of a variant (e.g. {@code fp16}: {@code *.fp16.safetensors}), or the plain files when {@code variant} is null. */
  public static CLIPVisionModelWithProjection load(Path dir, NDManager manager, DataType dtype, String variant) {
    CLIPVisionConfig config = CLIPVisionConfig.read(dir.resolve("config.json"));
    try (WeightSource source = ComponentWeights.open(dir, variant, "model")) {
      WeightLoader loader = new WeightLoader(source, manager, dtype);
      CLIPVisionModelWithProjection model = new CLIPVisionModelWithProjection(config, loader.root());
      loader.finish("CLIPVisionModelWithProjection", KEYS_TO_IGNORE);
      return model;
    }
  }

  public CLIPVisionConfig config() {
    return config;
  }

  /** {@link ImageEncoder}: the image embeddings, as {@link #forward}. */
  @Override
  public NDArray encode(NDArray pixels) {
    return forward(pixels);
  }

  /**
   * The image embeddings ({@code image_embeds}).
   *
   * @param pixelValues {@code [B, 3, image_size, image_size]}, normalised by the CLIP image processor
   * @return {@code [B, projection_dim]}
   */
  public NDArray forward(NDArray pixelValues) {
    Shape s = pixelValues.getShape();
    if (s.dimension() != 4 || s.get(1) != config.numChannels() || s.get(2) != config.imageSize()
        || s.get(3) != config.imageSize()) {
      throw new IllegalArgumentException("CLIPVisionModelWithProjection: pixel_values must be [batch, "
          + config.numChannels() + ", " + config.imageSize() + ", " + config.imageSize() + "] (image_size in "
          + "image_encoder/config.json), got " + s);
    }
    return Scopes.keep(() -> {
      long batchSize = s.get(0);
      int d = config.hiddenSize();
      // embeddings
      NDArray patchEmbeds = patchEmbedding.forward(pixelValues.toType(classEmbedding.getDataType(), false)); // (B, D, g, g)
      patchEmbeds = patchEmbeds.reshape(batchSize, d, -1).swapAxes(1, 2); // flatten(2).transpose(1, 2): (B, g*g, D)
      NDArray classEmbeds = classEmbedding.reshape(1, 1, d).broadcast(new Shape(batchSize, 1, d)); // (B, 1, D)
      NDArray h = classEmbeds.concat(patchEmbeds, 1); // (B, 1 + g*g, D)
      h = h.add(positionEmbedding.expandDims(0)); // + position_embedding(arange(num_positions))
      // transformer
      h = preLayrnorm.forward(h);
      for (CLIPEncoderLayer layer : layers) {
        h = layer.forward(h, null);
      }
      NDArray pooledOutput = h.get(":, 0, :"); // (B, D): the class token
      pooledOutput = postLayernorm.forward(pooledOutput);
      NDArray imageEmbeds = visualProjection.forward(pooledOutput); // (B, projection_dim)
      imageEmbeds.attach(pixelValues.getManager()); // the chain started from the class embedding (a weight)
      return imageEmbeds;
    });
  }
}
