package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.noise.NoiseSource;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl_ltx.py} ({@code LTXVideoDecoder3d}):
 * {@code conv_in}, mid block, up blocks (the config lists reversed), channel RMS norm, optional timestep
 * scale/shift ({@code time_embedder}, {@code scale_shift_table}), SiLU, {@code conv_out} to {@code 3·p²}
 * channels, then depth-to-space un-patching.
 */
public final class LTXVideoDecoder3d {
  private final int patchSize;
  private final int patchSizeT;
  private final int outputChannel;
  private final LTXVideoCausalConv3d convIn;
  private final LTXVideoMidBlock3d midBlock;
  private final List<LTXVideoUpBlock3d> upBlocks;
  private final LTXVideoCausalConv3d convOut;
  private final PixArtAlphaCombinedTimestepSizeEmbeddings timeEmbedder;
  private final NDArray scaleShiftTable;

  public LTXVideoDecoder3d(Weights w, AutoencoderKLLTXVideoConfig cfg) {
    this.patchSize = cfg.patchSize();
    this.patchSizeT = cfg.patchSizeT();
    boolean causal = cfg.decoderCausal();
    int[] block = reversed(cfg.decoderBlockOutChannels());
    boolean[] scaling = reversed(cfg.decoderSpatioTemporalScaling());
    int[] layers = reversed(cfg.decoderLayersPerBlock());
    boolean[] injectNoise = reversed(cfg.decoderInjectNoise());
    boolean[] residual = reversed(cfg.upsampleResidual());
    int[] factor = reversed(cfg.upsampleFactor());
    int out = block[0];
    this.convIn = new LTXVideoCausalConv3d(w.at("conv_in"), cfg.latentChannels(), out, 3, 1, causal);
    this.midBlock = new LTXVideoMidBlock3d(w.at("mid_block"), out, layers[0], cfg.resnetNormEps(), causal,
        injectNoise[0], cfg.timestepConditioning());
    List<LTXVideoUpBlock3d> list = new ArrayList<>();
    for (int i = 0; i < block.length; i++) {
      int inputChannel = out / factor[i];
      out = block[i] / factor[i];
      list.add(new LTXVideoUpBlock3d(w.at("up_blocks").at(i), inputChannel, out, layers[i + 1], cfg.resnetNormEps(),
          scaling[i], causal, injectNoise[i + 1], cfg.timestepConditioning(), residual[i], factor[i]));
    }
    this.upBlocks = List.copyOf(list);
    this.outputChannel = out;
    int convOutChannels = cfg.outChannels() * patchSize * patchSize;
    this.convOut = new LTXVideoCausalConv3d(w.at("conv_out"), out, convOutChannels, 3, 1, causal);
    if (cfg.timestepConditioning()) {
      this.timeEmbedder = new PixArtAlphaCombinedTimestepSizeEmbeddings(w.at("time_embedder"), out * 2);
      this.scaleShiftTable = w.get("scale_shift_table", 2, out);
    } else {
      this.timeEmbedder = null;
      this.scaleShiftTable = null;
    }
  }

  private static int[] reversed(int[] a) {
    int[] r = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[a.length - 1 - i];
    }
    return r;
  }

  private static boolean[] reversed(boolean[] a) {
    boolean[] r = new boolean[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[a.length - 1 - i];
    }
    return r;
  }

  /**
   * @param hiddenStates latents {@code [B, latent, F, H, W]}
   * @param temb decode timestep {@code [B]} (timestep-conditioned decoders), else null
   * @param generator noise for {@code decoder_inject_noise}, else may be null
   */
  public NDArray forward(NDArray hiddenStates, NDArray temb, NoiseSource generator) {
    if (timeEmbedder != null && temb == null) {
      throw new IllegalArgumentException("this VAE decoder is timestep-conditioned (timestep_conditioning=true in "
          + "vae/config.json): decode needs a timestep");
    }
    return Scopes.keep(() -> {
      NDArray h = convIn.forward(hiddenStates);
      h = midBlock.forward(h, temb, generator);
      for (LTXVideoUpBlock3d up : upBlocks) {
        h = up.forward(h, temb, generator);
      }
      h = LTXVideoResnetBlock3d.rmsNormChannels(h, 1e-8);
      if (timeEmbedder != null) {
        long b = h.getShape().get(0);
        NDArray t = timeEmbedder.forward(temb.reshape(-1), h.getDataType())
            .reshape(b, 2, outputChannel, 1, 1, 1) // view(B, -1, 1, 1, 1).unflatten(1, (2, -1))
            .add(scaleShiftTable.reshape(1, 2, outputChannel, 1, 1, 1));
        NDArray shift = t.get(":, 0");
        NDArray scale = t.get(":, 1");
        h = h.mul(scale.add(1f)).add(shift);
      }
      h = Ops.silu(h);
      h = convOut.forward(h);
      Shape s = h.getShape();
      long b = s.get(0);
      long f = s.get(2);
      long hh = s.get(3);
      long ww = s.get(4);
      long p = patchSize;
      NDArray r = h.reshape(new Shape(b, -1, patchSizeT, p, p, f, hh, ww)); // (B, C, pt, p, p, F, H, W)
      // permute(0, 1, 5, 2, 6, 4, 7, 3): (B, C, F, pt, H, p[4], W, p[3])
      NDArray t = r.transpose(0, 1, 5, 2, 6, 4, 7, 3);
      long c = t.getShape().get(1);
      return t.reshape(b, c, f * patchSizeT, hh * p, ww * p);
    });
  }
}
