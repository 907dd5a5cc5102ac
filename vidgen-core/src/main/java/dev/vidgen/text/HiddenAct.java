package dev.vidgen.text;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.vidgen.nn.Ops;
import dev.vidgen.weights.ConfigEnum;

/** The {@code hidden_act} values of transformers' {@code ACT2FN} that CLIP-style encoders use. */
public enum HiddenAct implements ConfigEnum {
  /** OpenAI CLIP: {@code x * sigmoid(1.702 x)}. */
  QUICK_GELU("quick_gelu"),
  /** Exact erf GELU (OpenCLIP ViT-H/G text towers). */
  GELU("gelu"),
  /** The tanh approximation ({@code NewGELUActivation}). */
  GELU_NEW("gelu_new"),
  /** The tanh approximation ({@code PytorchGELUTanh}). */
  GELU_PYTORCH_TANH("gelu_pytorch_tanh"),
  RELU("relu"),
  SILU("silu"),
  SWISH("swish");

  private final String json;

  HiddenAct(String json) {
    this.json = json;
  }

  @Override
  public String jsonName() {
    return json;
  }

  public NDArray apply(NDArray x) {
    return switch (this) {
      case QUICK_GELU -> Ops.quickGelu(x);
      case GELU -> Ops.gelu(x);
      case GELU_NEW, GELU_PYTORCH_TANH -> Ops.geluTanh(x);
      case RELU -> Activation.relu(x);
      case SILU, SWISH -> Ops.silu(x);
    };
  }
}
