package dev.vidgen.vision;

import dev.vidgen.text.HiddenAct;
import dev.vidgen.weights.JsonConfig;
import java.nio.file.Path;

/**
 * The {@code image_encoder/config.json} of transformers v4.44 {@code CLIPVisionConfig}, with its defaults for
 * absent fields.
 *
 * @param hiddenSize width of the transformer
 * @param intermediateSize width of each MLP
 * @param projectionDim width of {@code visual_projection} (the image embedding)
 * @param numHiddenLayers encoder layers
 * @param numAttentionHeads heads per layer
 * @param numChannels image channels
 * @param imageSize input side in pixels
 * @param patchSize patch side in pixels
 * @param hiddenAct MLP activation
 * @param layerNormEps epsilon of every layer norm
 */
public record CLIPVisionConfig(int hiddenSize, int intermediateSize, int projectionDim, int numHiddenLayers,
    int numAttentionHeads, int numChannels, int imageSize, int patchSize, HiddenAct hiddenAct, double layerNormEps) {

  public static CLIPVisionConfig read(Path configJson) {
    return parse(JsonConfig.read(configJson));
  }

  public static CLIPVisionConfig parse(JsonConfig c) {
    // bookkeeping fields transformers writes that change no arithmetic at inference
    c.markKnown("architectures", "attention_dropout", "dropout", "initializer_factor", "initializer_range",
        "model_type", "torch_dtype", "transformers_version");
    var cfg = new CLIPVisionConfig(c.getInt("hidden_size", 768), c.getInt("intermediate_size", 3072),
        c.getInt("projection_dim", 512), c.getInt("num_hidden_layers", 12), c.getInt("num_attention_heads", 12),
        c.getInt("num_channels", 3), c.getInt("image_size", 224), c.getInt("patch_size", 32),
        c.getEnum("hidden_act", HiddenAct.class, HiddenAct.QUICK_GELU), c.getDouble("layer_norm_eps", 1e-5));
    if (cfg.numAttentionHeads() <= 0 || cfg.hiddenSize() % cfg.numAttentionHeads() != 0) {
      throw c.error("num_attention_heads", "must divide hidden_size=" + cfg.hiddenSize() + ", got "
          + cfg.numAttentionHeads());
    }
    if (cfg.patchSize() <= 0 || cfg.imageSize() % cfg.patchSize() != 0) {
      throw c.error("patch_size", "must divide image_size=" + cfg.imageSize() + ", got " + cfg.patchSize());
    }
    c.logUnknown("CLIPVisionModelWithProjection");
    return cfg;
  }

  /** {@code (image_size / patch_size)^2 + 1}: patches plus the class token. */
  public int numPositions() {
    int side = imageSize / patchSize;
    return side * side + 1;
  }
}
