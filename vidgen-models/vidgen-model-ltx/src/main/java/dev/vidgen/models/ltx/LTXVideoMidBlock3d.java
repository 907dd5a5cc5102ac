package dev.vidgen.models.ltx;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Scopes;
import dev.vidgen.noise.NoiseSource;
import dev.vidgen.weights.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * Port of diffusers v0.32.2 {@code models/autoencoders/autoencoder_kl_ltx.py} ({@code LTXVideoMidBlock3d}):
 * resnets at one width, with an optional timestep embedder ({@code time_embedder}, 4·C wide) feeding their
 * scale/shift tables.
 */
public final class LTXVideoMidBlock3d {
  private final PixArtAlphaCombinedTimestepSizeEmbeddings timeEmbedder;
  private final List<LTXVideoResnetBlock3d> resnets;

  public LTXVideoMidBlock3d(Weights w, int inChannels, int numLayers, double resnetEps, boolean isCausal,
      boolean injectNoise, boolean timestepConditioning) {
    this.timeEmbedder = timestepConditioning
        ? new PixArtAlphaCombinedTimestepSizeEmbeddings(w.at("time_embedder"), inChannels * 4) : null;
    List<LTXVideoResnetBlock3d> list = new ArrayList<>();
    for (int i = 0; i < numLayers; i++) {
      list.add(new LTXVideoResnetBlock3d(w.at("resnets").at(i), inChannels, inChannels, resnetEps, isCausal,
          injectNoise, timestepConditioning));
    }
    this.resnets = List.copyOf(list);
  }

  /** @param temb the raw decode timestep {@code [B]} when timestep-conditioned, else null */
  public NDArray forward(NDArray hiddenStates, NDArray temb, NoiseSource generator) {
    return Scopes.keep(() -> {
      NDArray t = temb;
      if (timeEmbedder != null) {
        long b = hiddenStates.getShape().get(0);
        t = timeEmbedder.forward(temb.reshape(-1), hiddenStates.getDataType()).reshape(b, -1, 1, 1, 1);
      }
      NDArray h = hiddenStates;
      for (LTXVideoResnetBlock3d r : resnets) {
        h = r.forward(h, t, generator);
      }
      return h;
    });
  }
}
