package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import dev.vidgen.nn.Ops;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl_ltx.py} ({@code LTXVideoEncoder3d}):
 * space-to-depth patching, {@code conv_in}, down blocks, mid block, channel RMS norm, SiLU, {@code conv_out} to
 * {@code latent_channels + 1} channels whose last (the shared log-variance) is repeated to give the {@code 2 ×
 * latent_channels} moments of the diagonal Gaussian.
 */
public final class LTXVideoEncoder3d {
  private final int patchSize;
  private final int patchSizeT;
  private final LTXVideoCausalConv3d convIn;
  private final List<LTXVideoDownBlock3D> downBlocks;
  private final LTXVideoMidBlock3d midBlock;
  private final LTXVideoCausalConv3d convOut;

  public LTXVideoEncoder3d(Weights w, AutoencoderKLLTXVideoConfig cfg) {
    this.patchSize = cfg.patchSize();
    this.patchSizeT = cfg.patchSizeT();
    int[] block = cfg.blockOutChannels();
    boolean causal = cfg.encoderCausal();
    int inChannels = cfg.inChannels() * patchSize * patchSize;
    int outputChannel = block[0];
    this.convIn = new LTXVideoCausalConv3d(w.at("conv_in"), inChannels, outputChannel, 3, 1, causal);
    List<LTXVideoDownBlock3D> list = new ArrayList<>();
    for (int i = 0; i < block.length; i++) {
      int inputChannel = outputChannel;
      outputChannel = i + 1 < block.length ? block[i + 1] : block[i];
      list.add(new LTXVideoDownBlock3D(w.at("down_blocks").at(i), inputChannel, outputChannel,
          cfg.layersPerBlock()[i], cfg.resnetNormEps(), cfg.spatioTemporalScaling()[i], causal));
    }
    this.downBlocks = List.copyOf(list);
    this.midBlock = new LTXVideoMidBlock3d(w.at("mid_block"), outputChannel,
        cfg.layersPerBlock()[cfg.layersPerBlock().length - 1], cfg.resnetNormEps(), causal, false, false);
    this.convOut = new LTXVideoCausalConv3d(w.at("conv_out"), outputChannel, cfg.latentChannels() + 1, 3, 1, causal);
  }

  /** @param x video {@code [B, C, F, H, W]} in [-1, 1] → moments {@code [B, 2*latent, F', H', W']} */
  public NDArray forward(NDArray x) {
    return Scopes.keep(() -> {
      Shape s = x.getShape();
      long b = s.get(0);
      long c = s.get(1);
      long f = s.get(2) / patchSizeT;
      long h = s.get(3) / patchSize;
      long w = s.get(4) / patchSize;
      long p = patchSize;
      NDArray r = x.reshape(new Shape(b, c, f, patchSizeT, h, p, w, p)); // (B, C, F', pt, H', p, W', p)
      // permute(0, 1, 3, 7, 5, 2, 4, 6).flatten(1, 4): channels ordered (C, pt, p_w, p_h)
      NDArray hidden = r.transpose(0, 1, 3, 7, 5, 2, 4, 6).reshape(b, c * patchSizeT * p * p, f, h, w);
      hidden = convIn.forward(hidden);
      for (LTXVideoDownBlock3D d : downBlocks) {
        hidden = d.forward(hidden);
      }
      hidden = midBlock.forward(hidden, null, null);
      hidden = LTXVideoResnetBlock3d.rmsNormChannels(hidden, 1e-8);
      hidden = Ops.silu(hidden);
      hidden = convOut.forward(hidden); // (B, latent + 1, ...)
      long channels = hidden.getShape().get(1);
      NDArray lastChannel = hidden.get(":, -1:").repeat(1, channels - 2); // (B, latent - 1, ...)
      return NDArrays.concat(new NDList(hidden, lastChannel), 1);
    });
  }
}
