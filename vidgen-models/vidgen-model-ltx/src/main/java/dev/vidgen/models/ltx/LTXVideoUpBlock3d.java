package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Scopes;
import dev.vidgen.noise.NoiseSource;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl_ltx.py} ({@code LTXVideoUpBlock3d}): an
 * optional narrowing resnet ({@code conv_in}), an optional timestep embedder, an optional depth-to-space
 * upsampler ({@code upsamplers.0}), then resnets at the output width.
 */
public final class LTXVideoUpBlock3d {
  private final PixArtAlphaCombinedTimestepSizeEmbeddings timeEmbedder;
  private final LTXVideoResnetBlock3d convIn;
  private final LTXVideoUpsampler3d upsampler;
  private final List<LTXVideoResnetBlock3d> resnets;

  public LTXVideoUpBlock3d(Weights w, int inChannels, int outChannels, int numLayers, double resnetEps,
      boolean spatioTemporalScale, boolean isCausal, boolean injectNoise, boolean timestepConditioning,
      boolean upsampleResidual, int upscaleFactor) {
    this.timeEmbedder = timestepConditioning
        ? new PixArtAlphaCombinedTimestepSizeEmbeddings(w.at("time_embedder"), inChannels * 4) : null;
    this.convIn = inChannels != outChannels
        ? new LTXVideoResnetBlock3d(w.at("conv_in"), inChannels, outChannels, resnetEps, isCausal, injectNoise,
            timestepConditioning)
        : null;
    this.upsampler = spatioTemporalScale
        ? new LTXVideoUpsampler3d(w.at("upsamplers").at(0), outChannels * upscaleFactor, new int[] {2, 2, 2},
            isCausal, upsampleResidual, upscaleFactor)
        : null;
    List<LTXVideoResnetBlock3d> list = new ArrayList<>();
    for (int i = 0; i < numLayers; i++) {
      list.add(new LTXVideoResnetBlock3d(w.at("resnets").at(i), outChannels, outChannels, resnetEps, isCausal,
          injectNoise, timestepConditioning));
    }
    this.resnets = List.copyOf(list);
  }

  /** @param temb the raw decode timestep {@code [B]} when timestep-conditioned, else null */
  public NDArray forward(NDArray hiddenStates, NDArray temb, NoiseSource generator) {
    return Scopes.keep(() -> {
      NDArray h = hiddenStates;
      if (convIn != null) {
        // diffusers hands conv_in the timestep before it is embedded (as it does here).
        h = convIn.forward(h, temb, generator);
      }
      NDArray t = temb;
      if (timeEmbedder != null) {
        long b = h.getShape().get(0);
        t = timeEmbedder.forward(temb.reshape(-1), h.getDataType()).reshape(b, -1, 1, 1, 1);
      }
      if (upsampler != null) {
        h = upsampler.forward(h);
      }
      for (LTXVideoResnetBlock3d r : resnets) {
        h = r.forward(h, t, generator);
      }
      return h;
    });
  }
}
