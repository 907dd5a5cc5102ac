package dev.vidgen.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.vidgen.weights.ConfigEnum;
import dev.vidgen.weights.Weights;

/**
 * Port of diffusers v0.32.2 {@code models/attention.py} ({@code FeedForward}) with the activation modules of
 * {@code models/activations.py}: {@code net.0} is the activation with its input projection ({@code net.0.proj}),
 * {@code net.2} the output projection.
 */
public final class FeedForward {
  /** {@code activation_fn} of diffusers' transformer blocks. */
  public enum Activation implements ConfigEnum {
    GEGLU("geglu"),
    GELU("gelu"),
    GELU_APPROXIMATE("gelu-approximate"),
    GEGLU_APPROXIMATE("geglu-approximate"),
    SWIGLU("swiglu");

    private final String json;

    Activation(String json) {
      this.json = json;
    }

    @Override
    public String jsonName() {
      return json;
    }
  }

  private final Activation act;
  private final Linear proj;
  private final Linear out;

  /**
   * @param dim input channels
   * @param dimOut output channels
   * @param innerDim hidden channels ({@code dim * mult} by default)
   * @param bias projections have biases
   */
  public FeedForward(Weights w, int dim, int dimOut, int innerDim, Activation act, boolean bias) {
    this.act = act;
    int projOut = (act == Activation.GEGLU || act == Activation.SWIGLU) ? innerDim * 2 : innerDim;
    this.proj = Linear.load(w.at("net.0.proj"), dim, projOut, bias);
    this.out = Linear.load(w.at("net.2"), innerDim, dimOut, bias);
  }

  public FeedForward(Weights w, int dim, Activation act) {
    this(w, dim, dim, dim * 4, act, true);
  }

  public NDArray forward(NDArray x) {
    return Scopes.keep(() -> {
      NDArray h = proj.forward(x);
      h = switch (act) {
        case GEGLU, SWIGLU -> {
          NDList parts = h.split(2, h.getShape().dimension() - 1); // hidden, gate (DJL split takes no negative axis)
          NDArray gate = act == Activation.GEGLU ? Ops.gelu(parts.get(1)) : Ops.silu(parts.get(1));
          yield parts.get(0).mul(gate);
        }
        case GELU -> Ops.gelu(h);
        case GELU_APPROXIMATE -> Ops.geluTanh(h);
        case GEGLU_APPROXIMATE -> Ops.quickGelu(h);
      };
      return out.forward(h);
    });
  }
}
