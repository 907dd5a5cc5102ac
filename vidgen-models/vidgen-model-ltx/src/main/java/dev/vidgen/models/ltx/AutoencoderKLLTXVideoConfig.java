package dev.vidgen.models.ltx;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.vidgen.weights.JsonConfig;
import java.util.Arrays;

/**
 * {@code vae/config.json} of diffusers v0.32.2 {@code AutoencoderKLLTXVideo}, with its {@code __init__} defaults
 * (the LTX-Video 0.9.0 VAE; the 0.9.1 VAE spells out its decoder fields). Lists are in diffusers' order (the
 * decoder reverses them itself).
 */
public record AutoencoderKLLTXVideoConfig(int inChannels, int outChannels, int latentChannels,
    int[] blockOutChannels, int[] decoderBlockOutChannels, int[] layersPerBlock, int[] decoderLayersPerBlock,
    boolean[] spatioTemporalScaling, boolean[] decoderSpatioTemporalScaling, boolean[] decoderInjectNoise,
    boolean[] upsampleResidual, int[] upsampleFactor, boolean timestepConditioning, int patchSize, int patchSizeT,
    double resnetNormEps, double scalingFactor, boolean encoderCausal, boolean decoderCausal) {

  /** {@code patch_size * 2 ** sum(spatio_temporal_scaling)}. */
  public int spatialCompressionRatio() {
    return patchSize * (1 << count(spatioTemporalScaling));
  }

  /** {@code patch_size_t * 2 ** sum(spatio_temporal_scaling)}. */
  public int temporalCompressionRatio() {
    return patchSizeT * (1 << count(spatioTemporalScaling));
  }

  private static int count(boolean[] a) {
    int n = 0;
    for (boolean b : a) {
      n += b ? 1 : 0;
    }
    return n;
  }

  public static AutoencoderKLLTXVideoConfig parse(JsonConfig c) {
    int[] defChannels = {128, 256, 512, 512};
    int[] defLayers = {4, 3, 3, 3, 4};
    boolean[] defScaling = {true, true, true, false};
    int[] block = c.getIntArray("block_out_channels", defChannels);
    int[] decBlock = c.getIntArray("decoder_block_out_channels", defChannels);
    int[] layers = c.getIntArray("layers_per_block", defLayers);
    int[] decLayers = c.getIntArray("decoder_layers_per_block", defLayers);
    boolean[] scaling = bools(c, "spatio_temporal_scaling", defScaling);
    boolean[] decScaling = bools(c, "decoder_spatio_temporal_scaling", defScaling);
    boolean[] injectNoise = bools(c, "decoder_inject_noise", new boolean[5]);
    boolean[] residual = bools(c, "upsample_residual", new boolean[4]);
    int[] factor = c.getIntArray("upsample_factor", new int[] {1, 1, 1, 1});
    requireLength(c, "layers_per_block", layers.length, block.length + 1, "block_out_channels");
    requireLength(c, "spatio_temporal_scaling", scaling.length, block.length, "block_out_channels");
    requireLength(c, "decoder_layers_per_block", decLayers.length, decBlock.length + 1, "decoder_block_out_channels");
    requireLength(c, "decoder_spatio_temporal_scaling", decScaling.length, decBlock.length,
        "decoder_block_out_channels");
    requireLength(c, "decoder_inject_noise", injectNoise.length, decBlock.length + 1, "decoder_block_out_channels");
    requireLength(c, "upsample_residual", residual.length, decBlock.length, "decoder_block_out_channels");
    requireLength(c, "upsample_factor", factor.length, decBlock.length, "decoder_block_out_channels");
    AutoencoderKLLTXVideoConfig cfg = new AutoencoderKLLTXVideoConfig(c.getInt("in_channels", 3),
        c.getInt("out_channels", 3), c.getInt("latent_channels", 128), block, decBlock, layers, decLayers, scaling,
        decScaling, injectNoise, residual, factor, c.getBool("timestep_conditioning", false),
        c.getInt("patch_size", 4), c.getInt("patch_size_t", 1), c.getDouble("resnet_norm_eps", 1e-6),
        c.getDouble("scaling_factor", 1.0), c.getBool("encoder_causal", true), c.getBool("decoder_causal", false));
    c.logUnknown("AutoencoderKLLTXVideo");
    return cfg;
  }

  private static void requireLength(JsonConfig c, String key, int actual, int expected, String other) {
    if (actual != expected) {
      throw c.error(key, "has " + actual + " entries but must have " + expected + " (from " + other + ")");
    }
  }

  private static boolean[] bools(JsonConfig c, String key, boolean[] def) {
    c.markKnown(key);
    if (!c.has(key)) {
      return def.clone();
    }
    JsonElement e = c.json().get(key);
    if (!e.isJsonArray()) {
      throw c.error(key, "must be a list of booleans, got " + e);
    }
    JsonArray a = e.getAsJsonArray();
    boolean[] out = new boolean[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonElement x = a.get(i);
      if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isBoolean()) {
        throw c.error(key, "must be a list of booleans, got " + e);
      }
      out[i] = x.getAsBoolean();
    }
    return out;
  }

  @Override
  public String toString() {
    return "AutoencoderKLLTXVideoConfig[latent_channels=" + latentChannels + ", block_out_channels="
        + Arrays.toString(blockOutChannels) + ", decoder_block_out_channels=" + Arrays.toString(decoderBlockOutChannels)
        + ", patch_size=" + patchSize + ", timestep_conditioning=" + timestepConditioning + "]";
  }
}
