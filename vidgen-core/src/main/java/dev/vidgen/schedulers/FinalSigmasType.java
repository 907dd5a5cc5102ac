package dev.vidgen.schedulers;

import dev.vidgen.weights.ConfigEnum;

/** {@code final_sigmas_type}: the sigma appended after the last step. */
public enum FinalSigmasType implements ConfigEnum {
  /** 0: the last step lands on the clean sample. */
  ZERO("zero"),
  /** The smallest training sigma, {@code ((1 - alphas_cumprod[0]) / alphas_cumprod[0]) ** 0.5}. */
  SIGMA_MIN("sigma_min");

  private final String jsonName;

  FinalSigmasType(String jsonName) {
    this.jsonName = jsonName;
  }

  @Override
  public String jsonName() {
    return jsonName;
  }
}
