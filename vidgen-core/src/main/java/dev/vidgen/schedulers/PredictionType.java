package dev.vidgen.schedulers;

import dev.vidgen.weights.ConfigEnum;

/** {@code prediction_type}: what the denoiser predicts. Each scheduler states which of these it accepts. */
public enum PredictionType implements ConfigEnum {
  /** The noise of the diffusion process. */
  EPSILON("epsilon"),
  /** The denoised sample x_0 directly. */
  SAMPLE("sample"),
  /** The velocity of section 2.4 of the Imagen Video paper. */
  V_PREDICTION("v_prediction"),
  /** The flow-matching velocity (DPM-Solver with {@code use_flow_sigmas}). */
  FLOW_PREDICTION("flow_prediction");

  private final String jsonName;

  PredictionType(String jsonName) {
    this.jsonName = jsonName;
  }

  @Override
  public String jsonName() {
    return jsonName;
  }
}
