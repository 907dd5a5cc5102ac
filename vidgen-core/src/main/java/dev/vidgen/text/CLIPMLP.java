package dev.vidgen.text;

import ai.djl.ndarray.NDArray;
import dev.vidgen.nn.Linear;
import dev.vidgen.nn.Scopes;
import dev.vidgen.weights.Weights;

/** Port of transformers v4.44 {@code models/clip/modeling_clip.py} ({@code CLIPMLP}): {@code fc2(act(fc1(x)))}. */
public final class CLIPMLP {
  private final HiddenAct activationFn;
  private final Linear fc1;
  private final Linear fc2;

  public CLIPMLP(Weights w, int hiddenSize, int intermediateSize, HiddenAct hiddenAct) {
    this.activationFn = hiddenAct;
    this.fc1 = Linear.load(w.at("fc1"), hiddenSize, intermediateSize);
    this.fc2 = Linear.load(w.at("fc2"), intermediateSize, hiddenSize);
  }

  /** {@code [B, L, hidden] -> [B, L, hidden]}. */
  public NDArray forward(NDArray hiddenStates) {
    return Scopes.keep(() -> fc2.forward(activationFn.apply(fc1.forward(hiddenStates))));
  }
}
