package dev.vidgen.schedulers;

import dev.vidgen.weights.ConfigEnum;

/** {@code beta_schedule} of the discrete-time schedulers: how the training betas are laid out. */
public enum BetaSchedule implements ConfigEnum {
  /** {@code torch.linspace(beta_start, beta_end, num_train_timesteps)}. */
  LINEAR("linear"),
  /** {@code torch.linspace(beta_start**0.5, beta_end**0.5, num_train_timesteps) ** 2} (latent diffusion). */
  SCALED_LINEAR("scaled_linear"),
  /** Glide's cosine schedule, {@code betas_for_alpha_bar(num_train_timesteps)}. */
  SQUAREDCOS_CAP_V2("squaredcos_cap_v2");

  private final String jsonName;

  BetaSchedule(String jsonName) {
    this.jsonName = jsonName;
  }

  @Override
  public String jsonName() {
    return jsonName;
  }
}
