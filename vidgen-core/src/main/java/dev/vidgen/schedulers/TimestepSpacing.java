package dev.vidgen.schedulers;

import dev.vidgen.weights.ConfigEnum;

/**
 * {@code timestep_spacing}: how the inference timesteps are picked from the training ones (Table 2 of "Common
 * Diffusion Noise Schedules and Sample Steps are Flawed", arXiv 2305.08891).
 */
public enum TimestepSpacing implements ConfigEnum {
  LINSPACE("linspace"),
  LEADING("leading"),
  TRAILING("trailing");

  private final String jsonName;

  TimestepSpacing(String jsonName) {
    this.jsonName = jsonName;
  }

  @Override
  public String jsonName() {
    return jsonName;
  }
}
