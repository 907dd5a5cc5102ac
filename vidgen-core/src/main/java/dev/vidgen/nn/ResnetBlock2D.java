package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/resnet.py} ({@code ResnetBlock2D}) for the configurations video families
 * use: SiLU, {@code time_embedding_norm} "default" (add) or "scale_shift", optional time embedding, 1×1 conv
 * shortcut when channels change, {@code output_scale_factor}. Input {@code [N, C, H, W]}.
 */
public final class ResnetBlock2D {
  /** The constructor arguments that matter at inference. */
  public record Config(int inChannels, int outChannels, Integer tembChannels, int groups, Integer groupsOut,
      double eps, boolean scaleShift, double outputScaleFactor, Boolean useInShortcut) {
    public static Config of(int in, int out, Integer temb, int groups, double eps) {
      return new Config(in, out, temb, groups, null, eps, false, 1.0, null);
    }
  }

  private final Config cfg;
  private final GroupNorm norm1;
  private final Conv conv1;
  private final Linear timeEmbProj;
  private final GroupNorm norm2;
  private final Conv conv2;
  private final Conv convShortcut;

  public ResnetBlock2D(Weights w, Config cfg) {
    this.cfg = cfg;
    int groupsOut = cfg.groupsOut() == null ? cfg.groups() : cfg.groupsOut();
    this.norm1 = GroupNorm.load(w.at("norm1"), cfg.groups(), cfg.inChannels(), cfg.eps());
    this.conv1 = Conv.load2d(w.at("conv1"), cfg.inChannels(), cfg.outChannels(), 3, 1, 1);
    if (cfg.tembChannels() != null) {
      int projOut = cfg.scaleShift() ? 2 * cfg.outChannels() : cfg.outChannels();
      this.timeEmbProj = Linear.load(w.at("time_emb_proj"), cfg.tembChannels(), projOut);
    } else {
      this.timeEmbProj = null;
    }
    this.norm2 = GroupNorm.load(w.at("norm2"), groupsOut, cfg.outChannels(), cfg.eps());
    this.conv2 = Conv.load2d(w.at("conv2"), cfg.outChannels(), cfg.outChannels(), 3, 1, 1);
    boolean useInShortcut = cfg.useInShortcut() == null ? cfg.inChannels() != cfg.outChannels()
        : cfg.useInShortcut();
    this.convShortcut = useInShortcut
        ? Conv.load2d(w.at("conv_shortcut"), cfg.inChannels(), cfg.outChannels(), 1, 1, 0) : null;
  }

  /**
   * @param x {@code [N, Cin, H, W]}
   * @param temb {@code [N, temb_channels]} or null
   */
  public NDArray forward(NDArray x, NDArray temb) {
    return Scopes.keep(() -> {
      // each temporary is freed as soon as the next is made from it (Scopes.advance): at a VAE decoder's full
      // resolution they are the bulk of the peak memory
      NDArray h = norm1.forward(x);
      h = Scopes.advance(h, Ops.silu(h), x);
      h = Scopes.advance(h, conv1.forward(h), x);
      NDArray t = null;
      if (timeEmbProj != null && temb != null) {
        t = timeEmbProj.forward(Ops.silu(temb)).expandDims(-1).expandDims(-1); // (N, C', 1, 1)
      }
      if (t != null && !cfg.scaleShift()) {
        h = Scopes.advance(h, h.add(t), x);
      }
      h = Scopes.advance(h, norm2.forward(h), x);
      if (t != null && cfg.scaleShift()) {
        var parts = t.split(2, 1); // scale, shift
        h = Scopes.advance(h, h.mul(parts.get(0).add(1f)), x);
        h = Scopes.advance(h, h.add(parts.get(1)), x);
      }
      h = Scopes.advance(h, Ops.silu(h), x);
      h = Scopes.advance(h, conv2.forward(h), x);
      NDArray shortcut = convShortcut == null ? x : convShortcut.forward(x);
      NDArray out = Scopes.advance(h, shortcut.add(h), x);
      if (shortcut != x) {
        shortcut.close();
      }
      return cfg.outputScaleFactor() == 1.0 ? out : Scopes.advance(out, Ops.div(out, (float) cfg.outputScaleFactor()),
          x);
    });
  }
}
