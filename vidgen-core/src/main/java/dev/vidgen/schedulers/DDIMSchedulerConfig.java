package dev.vidgen.schedulers;

import dev.vidgen.weights.JsonConfig;

/**
 * The constructor arguments of diffusers' {@code DDIMScheduler} (v0.32.2), read from {@code scheduler_config.json}
 * with its {@code __init__} defaults.
 */
public record DDIMSchedulerConfig(
    int numTrainTimesteps,
    double betaStart,
    double betaEnd,
    BetaSchedule betaSchedule,
    double[] trainedBetas,
    boolean clipSample,
    boolean setAlphaToOne,
    int stepsOffset,
    PredictionType predictionType,
    boolean thresholding,
    double dynamicThresholdingRatio,
    double clipSampleRange,
    double sampleMaxValue,
    TimestepSpacing timestepSpacing,
    boolean rescaleBetasZeroSnr) {

  public DDIMSchedulerConfig {
    trainedBetas = ConfigFields.copy(trainedBetas);
  }

  @Override
  public double[] trainedBetas() {
    return ConfigFields.copy(trainedBetas);
  }

  public static DDIMSchedulerConfig parse(JsonConfig c) {
    return new DDIMSchedulerConfig(
        ConfigFields.numTrainTimesteps(c),
        c.getDouble("beta_start", 0.0001),
        c.getDouble("beta_end", 0.02),
        c.getEnum("beta_schedule", BetaSchedule.class, BetaSchedule.LINEAR),
        c.getDoubleArray("trained_betas", null),
        c.getBool("clip_sample", true),
        c.getBool("set_alpha_to_one", true),
        c.getInt("steps_offset", 0),
        ConfigFields.predictionType(c, "DDIMScheduler", PredictionType.EPSILON, PredictionType.EPSILON,
            PredictionType.SAMPLE, PredictionType.V_PREDICTION),
        c.getBool("thresholding", false),
        c.getDouble("dynamic_thresholding_ratio", 0.995),
        c.getDouble("clip_sample_range", 1.0),
        c.getDouble("sample_max_value", 1.0),
        c.getEnum("timestep_spacing", TimestepSpacing.class, TimestepSpacing.LEADING),
        c.getBool("rescale_betas_zero_snr", false));
  }
}
