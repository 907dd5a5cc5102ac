package dev.vidgen.schedulers;

import dev.vidgen.weights.JsonConfig;

/**
 * The constructor arguments of diffusers' {@code EulerAncestralDiscreteScheduler} (v0.32.2), read from
 * {@code scheduler_config.json} with its {@code __init__} defaults. diffusers raises NotImplementedError for
 * {@code prediction_type: sample}; here that is a config error.
 */
public record EulerAncestralDiscreteSchedulerConfig(
    int numTrainTimesteps,
    double betaStart,
    double betaEnd,
    BetaSchedule betaSchedule,
    double[] trainedBetas,
    PredictionType predictionType,
    TimestepSpacing timestepSpacing,
    int stepsOffset,
    boolean rescaleBetasZeroSnr) {

  public EulerAncestralDiscreteSchedulerConfig {
    trainedBetas = ConfigFields.copy(trainedBetas);
  }

  @Override
  public double[] trainedBetas() {
    return ConfigFields.copy(trainedBetas);
  }

  public static EulerAncestralDiscreteSchedulerConfig parse(JsonConfig c) {
    return new EulerAncestralDiscreteSchedulerConfig(
        ConfigFields.numTrainTimesteps(c),
        c.getDouble("beta_start", 0.0001),
        c.getDouble("beta_end", 0.02),
        c.getEnum("beta_schedule", BetaSchedule.class, BetaSchedule.LINEAR),
        c.getDoubleArray("trained_betas", null),
        ConfigFields.predictionType(c, "EulerAncestralDiscreteScheduler", PredictionType.EPSILON,
            PredictionType.EPSILON, PredictionType.V_PREDICTION),
        c.getEnum("timestep_spacing", TimestepSpacing.class, TimestepSpacing.LINSPACE),
        c.getInt("steps_offset", 0),
        c.getBool("rescale_betas_zero_snr", false));
  }
}
